#include "security/admin_credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "crypto/crypto.h"
#include "support/test_files.h"

namespace ecsd::security {
namespace {

namespace fs = std::filesystem;

using test_support::TempDir;

using test_support::readText;

class AdminCredentialsTest : public testing::Test {
 protected:
  fs::path file() const { return dir_.path / "credentials"; }
  void writeFile(const std::string& text) {
    fs::create_directories(dir_.path);
    std::ofstream(file(), std::ios::binary) << text;
  }

  TempDir dir_;
};

TEST_F(AdminCredentialsTest, CreatesAwsShapedKeyInAPrivateFile) {
  auto creds = ensureAdminCredentials(dir_.path);
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_TRUE(creds->generated);
  EXPECT_EQ(creds->file, file());
  EXPECT_EQ(creds->key.principal, "admin");
  EXPECT_TRUE(std::regex_match(creds->key.accessKeyId, std::regex("AKIA[A-Z2-7]{16}")))
      << creds->key.accessKeyId;
  EXPECT_TRUE(std::regex_match(creds->key.secretAccessKey, std::regex("[A-Za-z0-9/+]{40}")));
  EXPECT_EQ(fs::status(file()).permissions() & fs::perms::mask, fs::perms(0600));
  EXPECT_EQ(readText(file()), "[ecsd]\naws_access_key_id = " + creds->key.accessKeyId +
                                  "\naws_secret_access_key = " + creds->key.secretAccessKey + "\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path), fs::directory_iterator()), 1);
}

TEST_F(AdminCredentialsTest, SecondCallReusesTheFile) {
  auto first = ensureAdminCredentials(dir_.path);
  ASSERT_TRUE(first.ok());
  const std::string text = readText(file());
  auto second = ensureAdminCredentials(dir_.path);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(second->key.accessKeyId, first->key.accessKeyId);
  EXPECT_EQ(second->key.secretAccessKey, first->key.secretAccessKey);
  EXPECT_EQ(second->key.principal, "admin");
  EXPECT_EQ(readText(file()), text);
}

TEST_F(AdminCredentialsTest, KeysDifferBetweenDataDirs) {
  TempDir other;
  auto a = ensureAdminCredentials(dir_.path);
  auto b = ensureAdminCredentials(other.path);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->key.accessKeyId, b->key.accessKeyId);
  EXPECT_NE(a->key.secretAccessKey, b->key.secretAccessKey);
}

TEST_F(AdminCredentialsTest, ParsesAroundCommentsWhitespaceAndOtherProfiles) {
  writeFile(
      "# written by hand\n"
      "[default]\n"
      "aws_access_key_id = AKIADEFAULT\n"
      "aws_secret_access_key = default/secret\n"
      "\n"
      "; the one ecsd uses\r\n"
      "  [ ecsd ]  \r\n"
      "\tAWS_ACCESS_KEY_ID=AKIAEXAMPLE7777777\r\n"
      "region = us-east-1\n"
      "aws_secret_access_key   :   s3cr/t+Key \n"
      "[later]\n"
      "aws_access_key_id = AKIALATER\n");
  auto creds = ensureAdminCredentials(dir_.path);
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_FALSE(creds->generated);
  EXPECT_EQ(creds->key.accessKeyId, "AKIAEXAMPLE7777777");
  EXPECT_EQ(creds->key.secretAccessKey, "s3cr/t+Key");
  EXPECT_EQ(creds->key.principal, "admin");
}

TEST_F(AdminCredentialsTest, RefusesAFileWithoutACompleteProfile) {
  for (const std::string text : {
           "[ecsd]\naws_access_key_id = AKIAONLYTHEID\n",
           "[default]\naws_access_key_id = AKIAX\naws_secret_access_key = y\n",
           "[ecsd]\naws_access_key_id =\naws_secret_access_key = y\n",
           "",
       }) {
    writeFile(text);
    auto creds = ensureAdminCredentials(dir_.path);
    ASSERT_FALSE(creds.ok()) << text;
    EXPECT_EQ(creds.error().type, "ServerException");
    EXPECT_NE(creds.error().message.find(file().string()), std::string::npos);
    EXPECT_NE(creds.error().message.find("[ecsd]"), std::string::npos);
    EXPECT_EQ(readText(file()), text) << "the user's file is left alone";
  }
}

}  // namespace
}  // namespace ecsd::security

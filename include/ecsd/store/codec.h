// How each resource is stored: one codec per row type, the only place that
// knows a resource's columns. A new resource (a service, an IAM user) is one
// more specialization here, one more entry in PerTable (store.h) and one
// more migration per backend; state, store and the backends follow.
//
// A codec says:
//   using Key;                      the row's identity in memory
//   static Key keyOf(const Row&);
//   static const TableSchema& schema();
//   static Record encode(const Row&);   in schema().columns order
//   static Record encodeKey(const Key&);
//   static Row decode(Record&&);        throws on a record of the wrong shape
#pragma once

#include <string>
#include <utility>

#include "ecsd/domain/cluster.h"
#include "ecsd/domain/container_instance.h"
#include "ecsd/domain/iam_identity.h"
#include "ecsd/domain/service.h"
#include "ecsd/domain/task.h"
#include "ecsd/domain/task_definition.h"
#include "ecsd/store/record.h"

namespace ecsd {

// What an idempotent call answered, kept for a retry with the same client token.
struct Answer {
  std::string text;
  double recordedAt = 0;  // seconds since the epoch
};

// An answer and the key it is kept under (operation and client token).
struct RecordedAnswer {
  std::string key;
  Answer answer;
};

template <class Row>
struct Codec;

template <>
struct Codec<Cluster> {
  using Key = std::string;  // name
  static const Key& keyOf(const Cluster& c) { return c.name; }
  static const store::TableSchema& schema();
  static store::Record encode(const Cluster& c);
  static store::Record encodeKey(const Key& name) { return {name}; }
  static Cluster decode(store::Record&& record);
};

template <>
struct Codec<TaskDefinition> {
  using Key = std::pair<std::string, int>;  // family, revision
  static Key keyOf(const TaskDefinition& t) { return {t.family, t.revision}; }
  static const store::TableSchema& schema();
  static store::Record encode(const TaskDefinition& t);
  static store::Record encodeKey(const Key& key) {
    return {key.first, static_cast<std::int64_t>(key.second)};
  }
  static TaskDefinition decode(store::Record&& record);
};

template <>
struct Codec<ContainerInstance> {
  using Key = std::string;  // id
  static const Key& keyOf(const ContainerInstance& i) { return i.id; }
  static const store::TableSchema& schema();
  static store::Record encode(const ContainerInstance& i);
  static store::Record encodeKey(const Key& id) { return {id}; }
  static ContainerInstance decode(store::Record&& record);
};

template <>
struct Codec<Task> {
  using Key = std::string;  // id
  static const Key& keyOf(const Task& t) { return t.id; }
  static const store::TableSchema& schema();
  static store::Record encode(const Task& t);
  static store::Record encodeKey(const Key& id) { return {id}; }
  static Task decode(store::Record&& record);
};

template <>
struct Codec<Service> {
  using Key = std::pair<std::string, std::string>;  // cluster, name
  static Key keyOf(const Service& s) { return {s.cluster, s.name}; }
  static const store::TableSchema& schema();
  static store::Record encode(const Service& s);
  static store::Record encodeKey(const Key& key) { return {key.first, key.second}; }
  static Service decode(store::Record&& record);
};

template <>
struct Codec<RecordedAnswer> {
  using Key = std::string;  // operation and client token
  static const Key& keyOf(const RecordedAnswer& a) { return a.key; }
  static const store::TableSchema& schema();
  static store::Record encode(const RecordedAnswer& a);
  static store::Record encodeKey(const Key& key) { return {key}; }
  static RecordedAnswer decode(store::Record&& record);
};

// IAM identities (ecsd/domain/iam_identity.h), each keyed by its name, id or ARN.
template <>
struct Codec<IamUser> {
  using Key = std::string;  // name
  static const Key& keyOf(const IamUser& u) { return u.name; }
  static const store::TableSchema& schema();
  static store::Record encode(const IamUser& u);
  static store::Record encodeKey(const Key& name) { return {name}; }
  static IamUser decode(store::Record&& record);
};

template <>
struct Codec<IamGroup> {
  using Key = std::string;  // name
  static const Key& keyOf(const IamGroup& g) { return g.name; }
  static const store::TableSchema& schema();
  static store::Record encode(const IamGroup& g);
  static store::Record encodeKey(const Key& name) { return {name}; }
  static IamGroup decode(store::Record&& record);
};

template <>
struct Codec<IamAccessKey> {
  using Key = std::string;  // access key id
  static const Key& keyOf(const IamAccessKey& k) { return k.id; }
  static const store::TableSchema& schema();
  static store::Record encode(const IamAccessKey& k);
  static store::Record encodeKey(const Key& id) { return {id}; }
  static IamAccessKey decode(store::Record&& record);
};

template <>
struct Codec<IamManagedPolicy> {
  using Key = std::string;  // ARN
  static const Key& keyOf(const IamManagedPolicy& p) { return p.arn; }
  static const store::TableSchema& schema();
  static store::Record encode(const IamManagedPolicy& p);
  static store::Record encodeKey(const Key& arn) { return {arn}; }
  static IamManagedPolicy decode(store::Record&& record);
};

}  // namespace ecsd

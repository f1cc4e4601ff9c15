// Must not compile: a plain layer (here the operations') reaches for Beast.
#include <boost/beast/http.hpp>

// Must not compile: a plain layer (here the domain's) reaches for SQLite.
#include <sqlite3.h>

// Reached only from a plain layer (cmake/Layers.cmake: ecsd_plain_layer).
#error "ecsd layers: <sqlite3.h> is forbidden here: SQLite belongs to the SQLite store (src/store)"

// Must not compile: state does not depend on operations, so their headers are
// not on its include path.
#include "operations/router.h"

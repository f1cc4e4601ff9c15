// Must compile: the control for the probes beside it, so that their failing
// says something about the layers and not about the probe's build.
#include "ecsd/domain/arn.h"
#include "ecsd/state/state.h"

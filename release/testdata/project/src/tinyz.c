#include "tinyz.h"
int tinyz_version(void) { return 120; }

// The single doctest main of bnkit_tests. On bare metal the DOCTEST_CONFIG_NO_* macros
// come from tests/CMakeLists.txt (they must agree in every TU); argv comes from the
// semihosting command line (platform/baremetal/startup_cortex_m.c).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

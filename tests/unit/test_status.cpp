#include <cstring>

#include <doctest/doctest.h>

#include "bnkit/bnkit.h"

TEST_CASE("every status has its own description") {
    const char* seen[BNKIT_ERR_BAD_DISTRIBUTION + 1] = {};
    for (int s = BNKIT_OK; s <= BNKIT_ERR_BAD_DISTRIBUTION; ++s) {
        const char* text = bnkit_status_str(static_cast<bnkit_status>(s));
        REQUIRE(text != nullptr);
        CHECK(std::strcmp(text, "unknown status") != 0);
        for (int t = 0; t < s; ++t) CHECK(std::strcmp(seen[t], text) != 0);
        seen[s] = text;
    }
    CHECK(std::strcmp(bnkit_status_str(static_cast<bnkit_status>(999)), "unknown status") == 0);
}

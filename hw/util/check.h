// IPSEC_CHECK: a broken invariant aborts, in release builds too (STYLE.md section 5).
// Never use it on untrusted input: that gets an error return and a counter.
#pragma once

#include <cstdio>
#include <cstdlib>

#define IPSEC_CHECK(cond, msg)                                                                 \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s: %s\n", __FILE__, __LINE__, #cond, (msg)); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

// Dense float64 linear algebra through LAPACK (OpenBLAS ships it): the SPD
// inverse behind EASE's closed form, P = (XᵀX + λI)⁻¹ (Steck 2019).
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels.h"
#include "parallel.h"

#ifdef RECODER_OPENBLAS
extern "C" {
// Fortran LAPACK, exported by libopenblas.
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info);
}
#endif

namespace recoder {

bool has_lapack() {
#ifdef RECODER_OPENBLAS
  return true;
#else
  return false;
#endif
}

int64_t spd_inverse(double* a, int64_t n) {
#ifdef RECODER_OPENBLAS
  if (n == 0) return 0;
  if (n > 2147483647) throw std::invalid_argument("spdInverse: n is too large for LAPACK's 32-bit sizes");
  const int size = static_cast<int>(n);
  int info = 0;
  usable_threads();  // re-decides OpenBLAS's thread count when its window has passed
  // Row-major storage read as column-major is the transpose; for a symmetric matrix the
  // factor of the lower triangle in column-major is the upper triangle in row-major, and
  // only one triangle is referenced either way.
  dpotrf_("L", &size, a, &size, &info);
  if (info < 0) throw std::invalid_argument("spdInverse: dpotrf rejected argument " + std::to_string(-info));
  if (info > 0) return info;  // leading minor of order info is not positive definite
  dpotri_("L", &size, a, &size, &info);
  if (info < 0) throw std::invalid_argument("spdInverse: dpotri rejected argument " + std::to_string(-info));
  if (info > 0) return info;
  // dpotri filled the column-major lower triangle = row-major upper triangle; mirror it.
  for (int64_t r = 0; r < n; r++) {
    for (int64_t c = 0; c < r; c++) a[r * n + c] = a[c * n + r];
  }
  return 0;
#else
  (void)a;
  (void)n;
  throw std::runtime_error("spdInverse: the native engine was built without LAPACK (OpenBLAS)");
#endif
}

}  // namespace recoder

// OpenMP where the compiler has it, plain serial loops where it does not
// (scripts/build-native.mjs probes for -fopenmp and the build defines _OPENMP
// only then). Loops go parallel only above kParallelWork elements of work:
// below that, waking the other threads costs more than the loop.
#pragma once

#include <algorithm>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace recoder {

constexpr int64_t kParallelWork = int64_t{1} << 16;

#ifdef _OPENMP
#define RECODER_PRAGMA(text) _Pragma(#text)
#define RECODER_PARALLEL_FOR_SIMD(work) \
  RECODER_PRAGMA(omp parallel for simd schedule(static) if ((work) > ::recoder::kParallelWork))
#define RECODER_PARALLEL_FOR_STATIC(work) \
  RECODER_PRAGMA(omp parallel for schedule(static) if ((work) > ::recoder::kParallelWork))
#define RECODER_PARALLEL_FOR_DYNAMIC(work) \
  RECODER_PRAGMA(omp parallel for schedule(dynamic, 4) if ((work) > ::recoder::kParallelWork))
#define RECODER_PARALLEL_REGION(threads) RECODER_PRAGMA(omp parallel num_threads(threads))
// A static loop whose iterations add to a `double loss` declared before it.
#define RECODER_PARALLEL_FOR_REDUCE_LOSS(work) \
  RECODER_PRAGMA(omp parallel for schedule(static) reduction(+ : loss) if ((work) > ::recoder::kParallelWork))

inline int max_threads() { return omp_get_max_threads(); }
inline int parallel_team_size() { return omp_get_num_threads(); }
inline int parallel_thread_index() { return omp_get_thread_num(); }
#else
#define RECODER_PARALLEL_FOR_SIMD(work)
#define RECODER_PARALLEL_FOR_STATIC(work)
#define RECODER_PARALLEL_FOR_DYNAMIC(work)
#define RECODER_PARALLEL_REGION(threads)
#define RECODER_PARALLEL_FOR_REDUCE_LOSS(work)

inline int max_threads() { return 1; }
inline int parallel_team_size() { return 1; }
inline int parallel_thread_index() { return 0; }
#endif

// Threads worth using for `work` elements when at most `max_useful` threads have separate work.
inline int threads_for(int64_t work, int64_t max_useful) {
  if (work <= kParallelWork) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(max_threads(), max_useful)));
}

}  // namespace recoder

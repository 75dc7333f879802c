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

// The threads kernels and OpenBLAS may use now: OpenMP's maximum, less the cores other processes
// keep busy (usable_threads.cc). Every parallel region asks, so a busy machine gets fewer threads.
int usable_threads();
// The rule usable_threads applies: `cpus` usable CPUs of which other processes keep
// `other_busy_cores` busy, at most `ceiling` threads, at least one.
int usable_thread_count(int ceiling, int cpus, double other_busy_cores);
struct ThreadBudget {
  int threads;
  bool adaptive;
  double other_busy_cores;
};
ThreadBudget thread_budget();

#ifdef _OPENMP
#define RECODER_PRAGMA(text) _Pragma(#text)
#define RECODER_PARALLEL_FOR_SIMD(work) \
  RECODER_PRAGMA(omp parallel for simd schedule(static) num_threads(::recoder::usable_threads()) if ((work) > ::recoder::kParallelWork))
#define RECODER_PARALLEL_FOR_STATIC(work) \
  RECODER_PRAGMA(omp parallel for schedule(static) num_threads(::recoder::usable_threads()) if ((work) > ::recoder::kParallelWork))
#define RECODER_PARALLEL_FOR_DYNAMIC(work) \
  RECODER_PRAGMA(omp parallel for schedule(dynamic, 4) num_threads(::recoder::usable_threads()) if ((work) > ::recoder::kParallelWork))
#define RECODER_PARALLEL_REGION(threads) RECODER_PRAGMA(omp parallel num_threads(threads))
// A static loop whose iterations add to a `double loss` declared before it.
#define RECODER_PARALLEL_FOR_REDUCE_LOSS(work) \
  RECODER_PRAGMA(omp parallel for schedule(static) reduction(+ : loss) num_threads(::recoder::usable_threads()) if ((work) > ::recoder::kParallelWork))

inline int max_threads() { return usable_threads(); }
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

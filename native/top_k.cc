// Per-row top-k of the native backend: the same bounded min-heap as
// src/engine/reference-top-k.ts (root = worst kept entry; columns visited in
// ascending order, so a tie with the root loses and costs one comparison),
// with rows split across threads.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "parallel.h"

namespace recoder {
namespace {

struct Entry {
  float value;
  int32_t column;
};

// True when a ranks below b: lower score, or equal score and higher column.
inline bool ranks_below(const Entry& a, const Entry& b) {
  return a.value < b.value || (a.value == b.value && a.column > b.column);
}

// std heap algorithms build a max-heap under the comparator; "ranks above" puts the worst entry at the front.
inline bool ranks_above(const Entry& a, const Entry& b) { return ranks_below(b, a); }

void top_k_row(const float* row, int64_t cols, int64_t k, std::vector<Entry>& heap, int32_t* out_idx, float* out_vals) {
  heap.clear();
  for (int64_t c = 0; c < cols; c++) {
    const float value = row[c];
    if (!(value > -INFINITY)) continue;  // −∞ marks an excluded entry; NaN fails the comparison too
    if (static_cast<int64_t>(heap.size()) < k) {
      heap.push_back({value, static_cast<int32_t>(c)});
      std::push_heap(heap.begin(), heap.end(), ranks_above);
    } else if (k > 0 && value > heap.front().value) {
      std::pop_heap(heap.begin(), heap.end(), ranks_above);
      heap.back() = {value, static_cast<int32_t>(c)};
      std::push_heap(heap.begin(), heap.end(), ranks_above);
    }
  }
  std::sort(heap.begin(), heap.end(), ranks_above);  // best first
  const int64_t size = static_cast<int64_t>(heap.size());
  for (int64_t i = 0; i < size; i++) {
    out_idx[i] = heap[i].column;
    out_vals[i] = heap[i].value;
  }
  for (int64_t i = size; i < k; i++) {
    out_idx[i] = -1;
    out_vals[i] = -INFINITY;
  }
}

}  // namespace

void top_k_rows(const float* scores, int64_t rows, int64_t cols, int64_t k, int32_t* out_idx, float* out_vals) {
  [[maybe_unused]] const int threads = threads_for(rows * cols, rows);
  RECODER_PARALLEL_REGION(threads) {
    std::vector<Entry> heap;
    heap.reserve(static_cast<size_t>(std::min(k, cols)));
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
    for (int64_t r = 0; r < rows; r++) top_k_row(scores + r * cols, cols, k, heap, out_idx + r * k, out_vals + r * k);
  }
}

}  // namespace recoder

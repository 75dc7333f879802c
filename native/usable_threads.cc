// How many threads the kernels and OpenBLAS use right now. The ceiling is OpenMP's maximum (the
// count the engine loaded with: RECODER_THREADS or the cores this process may use). Below it, the
// count follows the cores that other processes leave free: when another program keeps a core
// busy, a parallel region of two threads on two cores waits at its closing barrier for whichever
// thread the OS descheduled (a time slice, milliseconds, per region; an epoch has thousands of
// regions), and one thread finishes sooner. Measured on 2 cores with one busy process beside it
// (bench/mult-vae-torch.ts --background-load 1, BENCHMARKS.md, issue 18): a Mult-DAE epoch kept
// 77 % of its quiet speed ratio against PyTorch on two threads, 89 % with this count.
//
// The free cores are read from /proc/stat: over the last window of at least kWindowSeconds, the
// busy time of the CPUs in this process's affinity mask less this process's own CPU time is what
// other processes used. The count is re-decided at most once a window, on the thread that asks,
// so a kernel pays a clock read per call. RECODER_THREADS set turns the adaptation off: the
// operator's pinned count is used as it is.
#ifdef __linux__
#include <sched.h>
#endif
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#ifdef RECODER_OPENBLAS
#include <cblas.h>
#endif

#include "parallel.h"

namespace recoder {
namespace {

constexpr double kWindowSeconds = 0.2;

double seconds(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

#ifdef __linux__
using CpuSet = cpu_set_t;
// Busy seconds (user, nice, system, irq, softirq, steal) of the CPUs in `cpus`, summed; < 0 if unreadable.
double busy_seconds(const CpuSet& cpus) {
  std::FILE* file = std::fopen("/proc/stat", "r");
  if (file == nullptr) return -1;
  static const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  char line[512];
  double busy = 0;
  bool any = false;
  while (std::fgets(line, sizeof line, file) != nullptr) {
    int cpu = -1;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    // "cpu " is the total; "cpuN" are the CPUs, which come first after it.
    if (std::strncmp(line, "cpu", 3) != 0) break;
    if (std::sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &user, &nice, &system, &idle, &iowait, &irq,
                    &softirq, &steal) != 9) {
      continue;
    }
    if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &cpus)) continue;
    busy += static_cast<double>(user + nice + system + irq + softirq + steal);
    any = true;
  }
  std::fclose(file);
  return any && ticks_per_second > 0 ? busy / ticks_per_second : -1;
}

bool read_affinity(CpuSet& cpus, int& count) {
  if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) return false;
  count = CPU_COUNT(&cpus);
  return true;
}
#else
// Elsewhere there is no /proc/stat: the count stays at its ceiling.
struct CpuSet {};
double busy_seconds(const CpuSet&) { return -1; }
bool read_affinity(CpuSet&, int&) { return false; }
#endif

class ThreadGovernor {
 public:
  ThreadGovernor() {
    ceiling_ = omp_ceiling();
    threads_.store(ceiling_);
    const char* pinned = std::getenv("RECODER_THREADS");
    adaptive_ = ceiling_ > 1 && !(pinned != nullptr && pinned[0] != '\0') && read_affinity(cpus_, cpu_count_);
    if (adaptive_) adaptive_ = take_sample(last_);
    next_at_.store(seconds(CLOCK_MONOTONIC) + kWindowSeconds);
  }

  int threads() {
    if (!adaptive_) return ceiling_;
    const double now = seconds(CLOCK_MONOTONIC);
    if (now >= next_at_.load(std::memory_order_relaxed)) {
      std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
      if (lock.owns_lock() && now >= next_at_.load(std::memory_order_relaxed)) decide();
    }
    return threads_.load(std::memory_order_relaxed);
  }

  double other_busy_cores() const { return other_busy_.load(std::memory_order_relaxed); }
  bool adaptive() const { return adaptive_; }

 private:
  struct Sample {
    double wall = 0, busy = 0, self = 0;
  };

  static int omp_ceiling() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
  }

  bool take_sample(Sample& sample) const {
    sample.wall = seconds(CLOCK_MONOTONIC);
    sample.self = seconds(CLOCK_PROCESS_CPUTIME_ID);
    sample.busy = busy_seconds(cpus_);
    return sample.busy >= 0;
  }

  void decide() {
    Sample now;
    if (!take_sample(now)) return;
    const double wall = now.wall - last_.wall;
    const double other = wall > 0 ? std::max(0.0, (now.busy - last_.busy - (now.self - last_.self)) / wall) : 0.0;
    last_ = now;
    next_at_.store(now.wall + kWindowSeconds, std::memory_order_relaxed);
    other_busy_.store(other, std::memory_order_relaxed);
    const int wanted = usable_thread_count(ceiling_, cpu_count_, other);
    if (wanted != threads_.load(std::memory_order_relaxed)) {
      threads_.store(wanted, std::memory_order_relaxed);
#ifdef RECODER_OPENBLAS
      openblas_set_num_threads(wanted);
#endif
    }
  }

  std::mutex mutex_;
  CpuSet cpus_{};
  int ceiling_ = 1;
  int cpu_count_ = 1;
  bool adaptive_ = false;
  Sample last_;
  std::atomic<int> threads_{1};
  std::atomic<double> next_at_{0};
  std::atomic<double> other_busy_{0};
};

ThreadGovernor& governor() {
  static ThreadGovernor instance;
  return instance;
}

}  // namespace

int usable_thread_count(int ceiling, int cpus, double other_busy_cores) {
  // A core counts as taken once other processes keep it busy half the time or more.
  const double free_cores = static_cast<double>(cpus) - other_busy_cores;
  const int whole = static_cast<int>(free_cores + 0.5);
  return std::max(1, std::min(ceiling, whole));
}

int usable_threads() { return governor().threads(); }

ThreadBudget thread_budget() {
  ThreadGovernor& g = governor();
  return {g.threads(), g.adaptive(), g.other_busy_cores()};
}

}  // namespace recoder

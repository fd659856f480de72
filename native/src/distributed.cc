// Data-parallel communication on libtorch's own c10d (the engine under PyTorch's DistributedDataParallel):
// a TCPStore rendezvous at the master's address, a Gloo process group (CPU; NCCL when the libtorch has CUDA
// and NCCL), and the collectives a trainer needs: all-reduce, broadcast, barrier. Every blocking call has a
// timeout, and can run on libuv's thread pool (a Promise) so that the JavaScript thread keeps serving timers
// and signals. A heartbeat thread per rank lets a survivor name the rank that was lost when a collective fails.
#include "common.h"

#ifdef V2M_HAS_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO  // what libtorch was built with; ProcessGroupGloo.hpp is empty without it
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef V2M_HAS_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#endif

namespace v2m {

// An error with a stable code for the typed layer (src/torch/distributed.ts maps it to V2meowError).
struct DistError : std::runtime_error {
  DistError(std::string code, const std::string& message) : std::runtime_error(message), code(std::move(code)) {}
  std::string code;
};

static Napi::Error CodedError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Value().Set("code", Napi::String::New(env, code));
  return e;
}

#ifdef V2M_HAS_GLOO
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

static constexpr Ms kHeartbeatInterval{300};
static constexpr Ms kStale{10000};  // a peer whose heartbeat is older than this is lost
static const char* kPrefix = "v2meow/";

static std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }
static std::string Str(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }
static std::string Seconds(Ms ms) {
  std::ostringstream out;
  out << static_cast<double>(ms.count()) / 1000.0 << " s";
  return out.str();
}
static std::string ErrorText(const std::exception& e) {
  if (auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

// The collectives of a backend's process group. libtorch 1.13 derives ProcessGroupGloo/NCCL from ProcessGroup,
// 2.x from Backend, with the same collective calls: the template compiles against either.
struct Comm {
  virtual ~Comm() = default;
  virtual c10::intrusive_ptr<c10d::Work> AllReduce(std::vector<at::Tensor>& t) = 0;
  virtual c10::intrusive_ptr<c10d::Work> Broadcast(std::vector<at::Tensor>& t, int64_t root) = 0;
  virtual c10::intrusive_ptr<c10d::Work> Barrier() = 0;
};

template <class PG>
struct CommOf : Comm {
  explicit CommOf(c10::intrusive_ptr<PG> pg) : pg(std::move(pg)) {}
  c10::intrusive_ptr<c10d::Work> AllReduce(std::vector<at::Tensor>& t) override {
    return pg->allreduce(t, c10d::AllreduceOptions{});
  }
  c10::intrusive_ptr<c10d::Work> Broadcast(std::vector<at::Tensor>& t, int64_t root) override {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    return pg->broadcast(t, o);
  }
  c10::intrusive_ptr<c10d::Work> Barrier() override { return pg->barrier(c10d::BarrierOptions{}); }
  c10::intrusive_ptr<PG> pg;
};

// What the heartbeat thread shares with its group (kept alive by the thread, which may outlive a failed group).
struct Beat {
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  std::atomic<int64_t> collectives{0};  // collectives this rank has entered
};

// One process group: the store, the c10d group, and this rank's heartbeat (a counter and the number of
// collectives entered, written to the store by a thread of its own over its own connection).
struct Group {
  std::string backend, host;
  uint16_t port = 0;
  int rank = 0, size = 1;
  Ms timeout{30000};
  c10::intrusive_ptr<c10d::TCPStore> store;
  std::unique_ptr<Comm> pg;
  std::atomic<bool> broken{false};
  std::shared_ptr<Beat> beat = std::make_shared<Beat>();
  std::atomic<int64_t>& collectives = beat->collectives;
  bool destroyed = false;  // guarded by beat->mutex
  std::thread heartbeat;

  void StartHeartbeat() {
    heartbeat = std::thread([b = beat, host = host, port = port, rank = rank, timeout = timeout] {
      c10::intrusive_ptr<c10d::TCPStore> own;
      try {
        c10d::TCPStoreOptions o;
        o.port = port;
        o.isServer = false;
        o.waitWorkers = false;
        o.timeout = std::min(timeout, Ms(30000));
        own = c10::make_intrusive<c10d::TCPStore>(host, o);
      } catch (const std::exception&) {
        return;  // no heartbeat: a survivor then reports this rank as lost, which is the conservative answer
      }
      const std::string key = std::string(kPrefix) + "beat/" + std::to_string(rank);
      int64_t count = 0;
      std::unique_lock<std::mutex> lock(b->mutex);
      while (!b->stop) {
        lock.unlock();
        try {
          own->set(key, Bytes(std::to_string(++count) + " " + std::to_string(b->collectives.load())));
        } catch (const std::exception&) {
          // The store is gone (rank 0 exited); nothing more to report.
          lock.lock();
          break;
        }
        lock.lock();
        b->wake.wait_for(lock, kHeartbeatInterval, [&b] { return b->stop; });
      }
    });
  }

  // Reads every rank's heartbeat (beat, collectives entered); a missing key reads as (-1, -1).
  std::vector<std::pair<int64_t, int64_t>> Beats() {
    std::vector<std::pair<int64_t, int64_t>> out(size, {-1, -1});
    for (int r = 0; r < size; r++) {
      const std::string key = std::string(kPrefix) + "beat/" + std::to_string(r);
      if (!store->check({key})) continue;
      std::istringstream in(Str(store->get(key)));
      in >> out[r].first >> out[r].second;
    }
    return out;
  }

  // After a failed collective: which ranks are lost (their heartbeat stopped) or stuck (alive but behind).
  std::string Diagnose() {
    try {
      auto first = Beats();
      std::this_thread::sleep_for(kHeartbeatInterval * 6);
      auto second = Beats();
      std::vector<int> lost, behind;
      for (int r = 0; r < size; r++) {
        if (r == rank) continue;
        if (second[r].first <= first[r].first) lost.push_back(r);
        else if (second[r].second < collectives.load()) behind.push_back(r);
      }
      auto list = [](const std::vector<int>& ranks) {
        std::string s;
        for (size_t k = 0; k < ranks.size(); k++) s += (k ? ", " : "") + std::to_string(ranks[k]);
        return s;
      };
      if (!lost.empty())
        return (lost.size() == 1 ? "rank " : "ranks ") + list(lost) + " lost (no heartbeat for " +
               Seconds(kHeartbeatInterval * 6) + ")";
      if (!behind.empty())
        return (behind.size() == 1 ? "rank " : "ranks ") + list(behind) + " alive but stuck before collective #" +
               std::to_string(collectives.load());
      return "every rank is still alive";
    } catch (const std::exception&) {
      return "rank 0 lost (the master at " + host + ":" + std::to_string(port) + " that holds the store is gone)";
    }
  }

  // Runs one blocking collective (issued by `issue`, waited with the group's timeout); failures name the rank.
  void Run(const char* what, const std::function<std::vector<c10::intrusive_ptr<c10d::Work>>()>& issue) {
    if (broken.load())
      throw DistError("PEER_LOST", std::string(what) + ": the process group failed earlier; restart the run");
    collectives++;
    try {
      auto works = issue();
      // Wait in slices, watching the peers' heartbeats: a peer whose machine vanished without closing its
      // sockets is found in seconds rather than at the timeout (which only an alive but stuck peer reaches).
      const auto deadline = Clock::now() + timeout + Ms(2000);
      std::vector<std::pair<int64_t, int64_t>> last;  // read after the first slice only: no cost when fast
      std::vector<Clock::time_point> changed(size, Clock::now());
      for (auto& w : works) {
        while (!w->isCompleted()) {
          if (Clock::now() > deadline) w->wait(Ms(1));  // throws c10d's timeout (or the op's own error)
          try {
            w->wait(Ms(1000));
          } catch (const c10::Error&) {
            if (w->isCompleted()) throw;  // the collective itself failed
          }
          if (w->isCompleted()) break;
          auto now = Beats();
          if (last.empty()) last = now;
          for (int r = 0; r < size; r++) {
            if (now[r].first != last[r].first) changed[r] = Clock::now();
            if (r != rank && Clock::now() - changed[r] > kStale)
              throw std::runtime_error("no heartbeat from rank " + std::to_string(r) + " for " + Seconds(kStale));
          }
          last = now;
        }
        w->wait(Ms(1));  // rethrows the collective's error, if any
      }
    } catch (const std::exception& e) {
      broken = true;
      const std::string cause = ErrorText(e);
      throw DistError("PEER_LOST", "rank " + std::to_string(rank) + ": " + what + " #" +
                                       std::to_string(collectives.load()) + " failed: " + Diagnose() + " [c10d: " +
                                       cause.substr(0, cause.find('\n')) + "]");
    }
  }

  // Stops the heartbeat and releases the c10d objects. A broken group is left to the process's end: its
  // threads may still wait on a dead peer, and joining them could hang.
  void Destroy() {
    {
      std::lock_guard<std::mutex> lock(beat->mutex);
      if (destroyed) return;
      destroyed = true;
      beat->stop = true;
    }
    beat->wake.notify_all();
    if (heartbeat.joinable()) {
      // After a failure the heartbeat may be stuck on a dead store's socket: let it end with the process.
      if (broken.load()) heartbeat.detach();
      else heartbeat.join();
    }
    if (broken.load()) {
      pg.release();  // deliberately leaked
      new c10::intrusive_ptr<c10d::TCPStore>(std::move(store));
      return;
    }
    pg.reset();
    store.reset();
  }

  ~Group() { Destroy(); }
};

using GroupRef = std::shared_ptr<Group>;

static bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return host == "::1";
}

// Host and process of a joining group member, as the other ranks should see it (for a duplicate-rank
// message); the count tells apart two groups joined from one process.
static std::string Whoami() {
  static std::atomic<int> joins{0};
  char name[256] = {0};
  gethostname(name, sizeof(name) - 1);
  return std::string(name) + " pid " + std::to_string(getpid()) + " (join " + std::to_string(++joins) + ")";
}

// The rendezvous: connect to (rank 0: serve) the store, claim the rank, check that every rank agrees on the
// world size and backend, wait until all have joined, then build the backend's process group.
static GroupRef Init(const std::string& backend, int rank, int size, const std::string& host, int port, Ms timeout,
                     int localRank) {
  auto g = std::make_shared<Group>();
  g->backend = backend;
  g->host = host;
  g->port = static_cast<uint16_t>(port);
  g->rank = rank;
  g->size = size;
  g->timeout = timeout;
  c10d::TCPStoreOptions o;
  o.port = g->port;
  o.isServer = rank == 0;
  o.numWorkers = size;
  o.waitWorkers = false;
  o.timeout = timeout;
  const std::string where = host + ":" + std::to_string(port);
  try {
    g->store = c10::make_intrusive<c10d::TCPStore>(host, o);
  } catch (const std::exception& e) {
    const std::string cause = ErrorText(e);
    if (rank == 0)
      throw DistError("MASTER_UNREACHABLE", "rank 0 cannot serve the rendezvous store at " + where +
                                                " (port in use, or not an address of this machine) [c10d: " +
                                                cause.substr(0, cause.find('\n')) + "]");
    throw DistError("MASTER_UNREACHABLE", "rank " + std::to_string(rank) + " cannot reach the master at " + where +
                                              " within " + Seconds(timeout) +
                                              " (is rank 0 running there, and the port open?) [c10d: " +
                                              cause.substr(0, cause.find('\n')) + "]");
  }
  const std::string me = Whoami();
  const std::string claimKey = std::string(kPrefix) + "rank/" + std::to_string(rank);
  const std::string claimed = Str(g->store->compareSet(claimKey, {}, Bytes(me)));
  if (claimed != me)
    throw DistError("BAD_ARGUMENT", "rank " + std::to_string(rank) + " is already taken by " + claimed +
                                        " (every process needs a distinct rank)");
  const std::string mine = std::to_string(size) + " " + backend;
  g->store->set(std::string(kPrefix) + "config/" + std::to_string(rank), Bytes(mine));
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::vector<int> missing;
    for (int r = 0; r < size; r++) {
      const std::string key = std::string(kPrefix) + "config/" + std::to_string(r);
      if (!g->store->check({key})) {
        missing.push_back(r);
        continue;
      }
      const std::string theirs = Str(g->store->get(key));
      if (theirs != mine) {
        // rank 0 serves the store: give the other ranks (polling every 50 ms) time to read the configs and fail
        // with this message themselves, rather than with a broken connection when the store goes away
        if (rank == 0) std::this_thread::sleep_for(std::min(timeout, Ms(2000)));
        throw DistError("BAD_ARGUMENT", "rank " + std::to_string(r) + " was started with world size and backend '" +
                                            theirs + "', rank " + std::to_string(rank) + " with '" + mine + "'");
      }
    }
    if (missing.empty()) break;
    if (Clock::now() > deadline) {
      std::string list;
      for (size_t k = 0; k < missing.size(); k++) list += (k ? ", " : "") + std::to_string(missing[k]);
      throw DistError("PEER_LOST", (missing.size() == 1 ? "rank " : "ranks ") + list + " did not join " + where +
                                       " within " + Seconds(timeout) + " (world size " + std::to_string(size) + ")");
    }
    std::this_thread::sleep_for(Ms(50));
  }
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>(backend, g->store);
  try {
    if (backend == "gloo") {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      if (IsLoopback(host)) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME")) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      } else {
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      options->threads = 2;
      g->pg = std::make_unique<CommOf<c10d::ProcessGroupGloo>>(
          c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, rank, size, options));
    } else if (backend == "nccl") {
#ifdef V2M_HAS_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      if (localRank >= 0 && c10::cuda::device_count() > 0)
        c10::cuda::set_device(static_cast<c10::DeviceIndex>(localRank % c10::cuda::device_count()));
      g->pg = std::make_unique<CommOf<c10d::ProcessGroupNCCL>>(
          c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, rank, size, options));
#else
      throw DistError("BAD_ARGUMENT", "backend 'nccl' needs an addon built against a CUDA libtorch with NCCL");
#endif
    } else {
      throw DistError("BAD_ARGUMENT", "unknown backend '" + backend + "' (gloo or nccl)");
    }
  } catch (const DistError&) {
    throw;
  } catch (const std::exception& e) {
    const std::string cause = ErrorText(e);
    throw DistError("PEER_LOST", "rank " + std::to_string(rank) + ": " + backend + " rendezvous at " + where +
                                     " failed [c10d: " + cause.substr(0, cause.find('\n')) + "]");
  }
  g->StartHeartbeat();
  return g;
}

// ---- JavaScript side ---------------------------------------------------------------------------------------
static GroupRef& Ref(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a process group");
  auto* ref = info[i].As<Napi::External<GroupRef>>().Data();
  if (!*ref) throw CodedError(info.Env(), "BAD_ARGUMENT", "the process group was destroyed");
  return *ref;
}

// Runs `job` on libuv's thread pool and settles a Promise with `done`'s value (or the job's error).
class Job : public Napi::AsyncWorker {
 public:
  Job(Napi::Env env, std::function<void()> job, std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)),
        done_(std::move(done)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      job_();
    } catch (const DistError& e) {
      code_ = e.code;
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = "PEER_LOST";
      SetError("libtorch: " + ErrorText(e));
    }
  }
  void OnOK() override { deferred_.Resolve(done_(Env())); }
  void OnError(const Napi::Error& e) override {
    deferred_.Reject(CodedError(Env(), code_, e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> job_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::string code_;
};

// Runs `job` now (sync) or on the thread pool (async: returns a Promise of undefined).
static Napi::Value Dispatch(const Napi::CallbackInfo& info, bool async, std::function<void()> job) {
  Napi::Env env = info.Env();
  if (!async) {
    try {
      job();
    } catch (const DistError& e) {
      throw CodedError(env, e.code, e.what());
    }
    return env.Undefined();
  }
  auto* worker = new Job(env, std::move(job), [](Napi::Env env) { return env.Undefined(); });
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// distInit(backend, rank, worldSize, host, port, timeoutMs, localRank) -> Promise<group>. NCCL uses GPU
// localRank (modulo the GPUs present) as this process's CUDA device.
V2M_FN(distInit) {
  std::string backend = S(info, 0), host = S(info, 3);
  int rank = static_cast<int>(I(info, 1)), size = static_cast<int>(I(info, 2)), port = static_cast<int>(I(info, 4));
  Ms timeout(I(info, 5));
  int localRank = static_cast<int>(OI(info, 6).value_or(-1));
  auto result = std::make_shared<GroupRef>();
  auto* worker = new Job(
      info.Env(), [=] { *result = Init(backend, rank, size, host, port, timeout, localRank); },
      [result](Napi::Env env) -> Napi::Value {
        return Napi::External<GroupRef>::New(env, new GroupRef(*result), [](Napi::Env, GroupRef* ref) {
          if (*ref) (*ref)->Destroy();
          delete ref;
        });
      });
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// distAllReduce(group, tensors[], op 'sum'|'mean', async): in place; one collective per tensor, all in flight
// together. Gloo has no average, so 'mean' sums and divides by the world size.
V2M_FN(distAllReduce) {
  GroupRef g = Ref(info, 0);
  auto tensors = TList(info, 1);
  std::string op = S(info, 2);
  if (op != "sum" && op != "mean") throw Napi::TypeError::New(info.Env(), "allReduce: op is 'sum' or 'mean'");
  for (auto& t : tensors)
    if (!t.is_contiguous()) throw Napi::TypeError::New(info.Env(), "allReduce: tensors must be contiguous");
  return Dispatch(info, B(info, 3, true), [g, tensors, op] {
    g->Run("allReduce", [&] {
      std::vector<c10::intrusive_ptr<c10d::Work>> works;
      for (auto t : tensors) {
        std::vector<at::Tensor> one{t};
        works.push_back(g->pg->AllReduce(one));
      }
      return works;
    });
    if (op == "mean") {
      at::NoGradGuard guard;
      for (auto t : tensors) t.div_(static_cast<double>(g->size));
    }
  });
}

// distBroadcast(group, tensors[], root, async): every rank's tensors take root's values, in place.
V2M_FN(distBroadcast) {
  GroupRef g = Ref(info, 0);
  auto tensors = TList(info, 1);
  int64_t root = I(info, 2);
  if (root < 0 || root >= g->size)
    throw CodedError(info.Env(), "BAD_ARGUMENT",
                     "broadcast: root " + std::to_string(root) + " is not a rank of this group (0.." +
                         std::to_string(g->size - 1) + ")");
  for (auto& t : tensors)
    if (!t.is_contiguous()) throw Napi::TypeError::New(info.Env(), "broadcast: tensors must be contiguous");
  return Dispatch(info, B(info, 3, true), [g, tensors, root] {
    g->Run("broadcast", [&] {
      std::vector<c10::intrusive_ptr<c10d::Work>> works;
      for (auto t : tensors) {
        std::vector<at::Tensor> one{t};
        works.push_back(g->pg->Broadcast(one, root));
      }
      return works;
    });
  });
}

// distBarrier(group, async)
V2M_FN(distBarrier) {
  GroupRef g = Ref(info, 0);
  return Dispatch(info, B(info, 1, true), [g] {
    g->Run("barrier", [&] { return std::vector<c10::intrusive_ptr<c10d::Work>>{g->pg->Barrier()}; });
  });
}

// distDestroy(group): stops the heartbeat and closes the group (rank 0 also closes the store).
V2M_FN(distDestroy) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a process group");
  auto* ref = info[0].As<Napi::External<GroupRef>>().Data();
  if (*ref) (*ref)->Destroy();
  ref->reset();
  return info.Env().Undefined();
}
#endif

// distBackends() -> { gloo, nccl }: what this build of the addon can do.
V2M_FN(distBackends) {
  auto out = Napi::Object::New(info.Env());
#ifdef V2M_HAS_GLOO
  out.Set("gloo", true);
#else
  out.Set("gloo", false);
#endif
#ifdef V2M_HAS_NCCL
  out.Set("nccl", true);
#else
  out.Set("nccl", false);
#endif
  return out;
}

void RegisterDistributed(Napi::Env env, Napi::Object exports) {
  V2M_EXPORT(exports, distBackends);
#ifdef V2M_HAS_GLOO
  V2M_EXPORT(exports, distInit);
  V2M_EXPORT(exports, distAllReduce);
  V2M_EXPORT(exports, distBroadcast);
  V2M_EXPORT(exports, distBarrier);
  V2M_EXPORT(exports, distDestroy);
#endif
}

}  // namespace v2m

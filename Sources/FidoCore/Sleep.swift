#if canImport(Glibc)
  import Glibc
#endif

/// Sleeps `ms` milliseconds, resuming after signals (the SMS sender's and
/// the Mongo transaction retries' pauses).
func sleepMillis(_ ms: Int64) {
  guard ms > 0 else { return }
  var request = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
  var remaining = timespec()
  while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}

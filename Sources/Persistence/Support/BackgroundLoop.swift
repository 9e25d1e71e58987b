import Foundation

/// Runs `work` at start, after each `nudge()` (several nudges while it runs make one more run),
/// and every `interval` in any case (to pick up what other instances wrote or a crash left).
/// The white list publisher and the outbox worker run in one each.
public actor BackgroundLoop {
    private let interval: Duration
    private let work: @Sendable () async -> Void
    private var task: Task<Void, Never>?
    private var wake: AsyncStream<Void>.Continuation?

    public init(interval: Duration, work: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.work = work
    }

    public func start() {
        guard task == nil else { return }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        let work = self.work
        let interval = self.interval
        task = Task {
            await work()
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    continuation.yield()
                }
            }
            for await _ in stream {
                if Task.isCancelled { break }
                await work()
            }
            ticker.cancel()
        }
    }

    public func nudge() { wake?.yield() }

    public func stop() async {
        wake?.finish()
        task?.cancel()
        await task?.value
        task = nil
        wake = nil
    }
}

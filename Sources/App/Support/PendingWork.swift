import Foundation

/// Work a request starts and does not wait for (e-mail sent after the answer), kept track of so
/// that tests and shutdown can wait for it to finish.
final class PendingWork: Sendable {
    // Safe: `tasks` is only touched under `lock`.
    private let tasks = LockedTasks()

    func start(_ work: @escaping @Sendable () async -> Void) {
        let id = UUID()
        let tasks = self.tasks
        tasks.insert(id, Task {
            await work()
            tasks.remove(id)
        })
    }

    /// Waits until every piece of work started so far (and any it started) has finished.
    func drain() async {
        while true {
            let running = tasks.snapshot()
            if running.isEmpty { return }
            // Each task removes itself before it completes.
            for (_, task) in running { await task.value }
        }
    }

    private final class LockedTasks: @unchecked Sendable {
        private let lock = NSLock()
        private var tasks: [UUID: Task<Void, Never>] = [:]
        private var finished: Set<UUID> = []

        func insert(_ id: UUID, _ task: Task<Void, Never>) {
            lock.withLock {
                // The task may have finished before it was recorded.
                if finished.remove(id) == nil { tasks[id] = task }
            }
        }

        func remove(_ id: UUID) {
            lock.withLock {
                if tasks.removeValue(forKey: id) == nil { finished.insert(id) }
            }
        }

        func snapshot() -> [(UUID, Task<Void, Never>)] { lock.withLock { tasks.map { ($0.key, $0.value) } } }
    }
}

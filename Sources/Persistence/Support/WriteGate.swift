/// Lets one write transaction run at a time in this process.
///
/// SQLite allows a single writer; two deferred transactions that both read then write make one
/// of them fail with SQLITE_BUSY instead of waiting. Queuing writers here avoids that. On
/// PostgreSQL writes are serialised by the audit head row lock instead, across instances.
actor WriteGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

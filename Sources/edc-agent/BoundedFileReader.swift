import Foundation

/// Reads a whole file (or standard input for `-`), refusing more than `limit` bytes before
/// holding them in memory: the size is checked with `fstat` and again while reading.
enum BoundedFileReader {
    struct TooLarge: Error { let size: Int }

    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let descriptor = path == "-" ? FileHandle.standardInput.fileDescriptor : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ReadError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { if path != "-" { close(descriptor) } }
        var info = stat()
        var expected = 1 << 16
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            guard Int(info.st_size) <= limit else { throw TooLarge(size: Int(info.st_size)) }
            expected = Int(info.st_size) + 1
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(expected)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > limit { throw TooLarge(size: bytes.count) }
        }
        return bytes
    }
}

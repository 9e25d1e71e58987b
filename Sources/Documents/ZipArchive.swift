import Foundation

/// A ZIP archive of stored (uncompressed) entries with UTF-8 names: enough for an archive export,
/// readable by every unzip tool, and simple enough to check by reading. No ZIP64: an export is
/// refused beyond 4 GiB (far above the document quota).
public struct ZipArchive: Sendable {
    private var body: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0
    private let dosTime: UInt16
    private let dosDate: UInt16

    public struct TooLarge: Error {}

    /// `date` is written as every entry's modification time (UTC).
    public init(date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        dosTime = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        dosDate = UInt16(max(0, (c.year ?? 1980) - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
    }

    public mutating func add(_ name: String, _ data: some Collection<UInt8>) throws {
        let bytes = Array(data)
        let nameBytes = Array(name.utf8)
        guard body.count + bytes.count + nameBytes.count + 30 < Int(UInt32.max), bytes.count < Int(UInt32.max) else { throw TooLarge() }
        let crc = Self.crc32(bytes)
        let offset = UInt32(body.count)
        // Local file header.
        body += Self.le32(0x0403_4B50) + Self.le16(20) + Self.le16(0x0800) + Self.le16(0) + Self.le16(dosTime) + Self.le16(dosDate)
        body += Self.le32(crc) + Self.le32(UInt32(bytes.count)) + Self.le32(UInt32(bytes.count)) + Self.le16(UInt16(nameBytes.count)) + Self.le16(0)
        body += nameBytes + bytes
        // Central directory entry.
        central += Self.le32(0x0201_4B50) + Self.le16(20) + Self.le16(20) + Self.le16(0x0800) + Self.le16(0) + Self.le16(dosTime) + Self.le16(dosDate)
        central += Self.le32(crc) + Self.le32(UInt32(bytes.count)) + Self.le32(UInt32(bytes.count)) + Self.le16(UInt16(nameBytes.count))
        central += Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le32(0) + Self.le32(offset) + nameBytes
        count += 1
    }

    public func bytes() -> [UInt8] {
        body + central + Self.le32(0x0605_4B50) + Self.le16(0) + Self.le16(0) + Self.le16(UInt16(count)) + Self.le16(UInt16(count))
            + Self.le32(UInt32(central.count)) + Self.le32(UInt32(body.count)) + Self.le16(0)
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }

    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

import FluentKit

/// Every migration, in order. Add new ones at the end, one file each.
public enum EDCMigrations {
    public static let all: [any Migration] = [
        M0001_CreateAccounts(),
        M0002_CreateRegistry(),
        M0003_CreateRequests(),
        M0004_CreateDocuments(),
        M0005_CreateAuditAndOutbox(),
        M0006_CreateWhitelistVersions(),
        M0007_CreateSignInFailures(),
        M0008_AddIdempotencyLocation(),
        M0009_OutboxDelivery(),
        M0010_VAReminders(),
        M0011_DocumentEnvelopes(),
        M0012_AttestationPDF(),
        M0013_WebSessions(),
        M0014_PortalAccounts(),
    ]
}

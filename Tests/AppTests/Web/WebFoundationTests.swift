@testable import App
import Accounts
import EDCDomain
import EDCTestSupport
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// The web pages' foundation: headers, cookies, anti-forgery, sessions, lock-out, second factor,
/// forgotten password, static files and error pages.
@Suite("Web pages: sign-in, sessions and protections")
struct WebFoundationTests {
    func configure(_ clock: TestClock, _ more: @escaping (inout Settings) -> Void = { _ in }) -> (inout Settings) -> Void {
        { settings in
            settings.clock = { clock.now }
            settings.signIn.maximumFailures = 3
            settings.signIn.lockDuration = 600
            settings.signIn.maximumAddressFailures = 1000
            settings.web.sessions.idleTimeout = 1800
            more(&settings)
        }
    }

    @Test("pages carry a strict content security policy, no inline script or style, French language and a title saying where you are")
    func pageHeaders() async throws {
        try await withTestApp { app in
            var browser = WebClient(app: app)
            for path in ["/", "/connexion", "/mot-de-passe-oublie"] {
                let response = try await browser.get(path)
                #expect(response.status == .ok, "\(path)")
                let csp = try #require(response.headers.first(name: "Content-Security-Policy"))
                #expect(csp.contains("script-src 'self'") && csp.contains("style-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"))
                #expect(response.headers.first(name: .cacheControl) == "no-store")
                let html = response.text
                #expect(html.contains("<html lang=\"fr\""))
                #expect(!html.contains("style=\""), "inline style on \(path)")
                #expect(!html.contains("<script>") && !html.contains("<script type=\"module\">"), "inline script on \(path)")
                #expect(html.range(of: #"<title>[^<]+ — Espace de Confiance DRIM-M</title>"#, options: .regularExpression) != nil)
            }
        }
    }

    @Test("a right password opens a session: HttpOnly, SameSite=Lax cookie, Secure when configured; operators land on /espace, ANS on /ans")
    func signIn() async throws {
        for secure in [false, true] {
            try await withTestApp({ $0.web.secureCookies = secure }) { app in
                let world = try await World.make(app)
                var browser = WebClient(app: app)
                try await browser.get("/connexion")
                let response = try await browser.post("/connexion", ["email": world.operatorA.user.email, "password": World.password])
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location) == "/espace")
                let cookie = try #require(response.headers[.setCookie].first { $0.hasPrefix("edc_session=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
                #expect(cookie.contains("Secure") == secure)
                #expect(try await browser.get("/compte").status == .ok)

                var reviewer = WebClient(app: app)
                try await reviewer.get("/connexion")
                #expect(try await reviewer.post("/connexion", ["email": world.reviewer.user.email, "password": World.password]).headers.first(name: .location) == "/ans")
            }
        }
    }

    @Test("a wrong password is refused in French, the e-mail kept, the password never sent back, and no session opened")
    func wrongPassword() async throws {
        try await withTestApp(configure(TestClock.app())) { app in
            let world = try await World.make(app)
            var browser = WebClient(app: app)
            try await browser.get("/connexion")
            let response = try await browser.post("/connexion", ["email": world.operatorA.user.email, "password": "not the password at all"])
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("Adresse électronique ou mot de passe incorrect."))
            #expect(WebClient.fieldValue("email", in: response.text) == world.operatorA.user.email)
            #expect(!response.text.contains("not the password at all"))
            #expect(browser.cookies["edc_session"] == nil)
            let empty = try await browser.post("/connexion", ["email": "", "password": ""])
            #expect(empty.status == .unprocessableEntity)
            #expect(WebClient.fieldError("email", in: empty.text) == "Indiquez votre adresse électronique.")
            #expect(WebClient.fieldError("password", in: empty.text) == "Indiquez votre mot de passe.")
        }
    }

    @Test("a locked account stays locked through the web form: the right password is refused until the lock ends")
    func lockedStaysLocked() async throws {
        let clock = TestClock.app()
        try await withTestApp(configure(clock)) { app in
            let world = try await World.make(app)
            var browser = WebClient(app: app)
            try await browser.get("/connexion")
            for _ in 1...3 { try await browser.post("/connexion", ["email": world.operatorA.user.email, "password": "wrong password, again"]) }
            let refused = try await browser.post("/connexion", ["email": world.operatorA.user.email, "password": World.password])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.text.contains("la connexion est suspendue"))
            #expect(browser.cookies["edc_session"] == nil)
            clock.advance(by: 300)
            #expect(try await browser.post("/connexion", ["email": world.operatorA.user.email, "password": World.password]).status == .tooManyRequests)
            clock.advance(by: 301)
            #expect(try await browser.post("/connexion", ["email": world.operatorA.user.email, "password": World.password]).status == .seeOther)
        }
    }

    @Test("a form post without the right anti-forgery token is refused with 403 and changes nothing")
    func csrf() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            // Before sign-in: no token, or one that is not the cookie's twin.
            var anonymous = WebClient(app: app)
            try await anonymous.get("/connexion")
            for token in ["", "edc_forged"] {
                let response = try await anonymous.post("/connexion", ["email": world.operatorA.user.email, "password": World.password], csrf: token)
                #expect(response.status == .forbidden)
                #expect(response.text.contains("Ce formulaire a expiré"))
                #expect(anonymous.cookies["edc_session"] == nil)
            }
            // Signed in: another session's token does not do.
            var alice = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let other = try await WebClient.signedIn(app, email: world.operatorB.user.email)
            try await alice.get("/compte")
            let before = try await databaseFingerprint(app)
            let hashBefore = try await app.edc.accounts.user(world.operatorA.user.requireID()).passwordHash
            for token in ["", try #require(other.csrf)] {
                let response = try await alice.post("/compte/mot-de-passe", ["current": World.password, "password": "a brand new passphrase 2026", "confirmation": "a brand new passphrase 2026"], csrf: token)
                #expect(response.status == .forbidden)
            }
            #expect(try await databaseFingerprint(app) == before)
            #expect(try await app.edc.accounts.user(world.operatorA.user.requireID()).passwordHash == hashBefore)
        }
    }

    @Test("a revoked, signed-out, idle or expired session is refused: the pages send back to the sign-in")
    func sessionEnds() async throws {
        let clock = TestClock.app()
        try await withTestApp(configure(clock, { $0.web.sessions.absoluteTimeout = 7200 })) { app in
            let world = try await World.make(app)
            let email = world.operatorA.user.email
            func refused(_ browser: inout WebClient) async throws -> Bool {
                let response = try await browser.get("/compte")
                return response.status == .seeOther && response.headers.first(name: .location)?.hasPrefix("/connexion") == true
            }
            // Revoked from another session of the same user.
            var first = try await WebClient.signedIn(app, email: email)
            clock.advance(by: 1)
            var second = try await WebClient.signedIn(app, email: email)
            let firstID = try #require(try await app.edc.webSessions.sessions(of: world.operatorA.user.requireID()).last?.requireID())
            try await second.get("/compte")
            #expect(try await second.post("/compte/sessions/\(firstID.uuidString)/revocation", [:]).status == .seeOther)
            #expect(try await refused(&first))
            #expect(try await !refused(&second))
            // Signed out: the old cookie no longer opens anything.
            let cookie = try #require(second.cookies["edc_session"])
            #expect(try await second.post("/deconnexion", [:]).status == .seeOther)
            second.cookies["edc_session"] = cookie
            #expect(try await refused(&second))
            // Idle beyond the limit.
            var idle = try await WebClient.signedIn(app, email: email)
            clock.advance(by: 1799)
            #expect(try await !refused(&idle))
            clock.advance(by: 1801)
            #expect(try await refused(&idle))
            // Active, but past its absolute end.
            var active = try await WebClient.signedIn(app, email: email)
            for _ in 1...5 {
                clock.advance(by: 1500)
                _ = try await active.get("/compte")
            }
            #expect(try await refused(&active))
            // A disabled user's sessions end at once.
            var disabled = try await WebClient.signedIn(app, email: email)
            _ = try await app.edc.accounts.setDisabled(true, userID: world.operatorA.user.requireID(), by: AuditActor(userID: nil, role: .system))
            #expect(try await refused(&disabled))
        }
    }

    @Test("changing one's password keeps this session and ends the others")
    func passwordChange() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            var elsewhere = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            var here = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await here.get("/compte")
            let mismatch = try await here.post("/compte/mot-de-passe", ["current": World.password, "password": "a brand new passphrase 2026", "confirmation": "something else entirely"])
            #expect(mismatch.status == .unprocessableEntity)
            #expect(WebClient.fieldError("confirmation", in: mismatch.text) == "Les deux mots de passe ne sont pas identiques.")
            let wrongCurrent = try await here.post("/compte/mot-de-passe", ["current": "not my password", "password": "a brand new passphrase 2026", "confirmation": "a brand new passphrase 2026"])
            #expect(wrongCurrent.status == .unprocessableEntity)
            let changed = try await here.post("/compte/mot-de-passe", ["current": World.password, "password": "a brand new passphrase 2026", "confirmation": "a brand new passphrase 2026"])
            #expect(changed.status == .seeOther)
            #expect(try await here.get("/compte").status == .ok)
            #expect(try await elsewhere.get("/compte").status == .seeOther)
            _ = try await WebClient.signedIn(app, email: world.operatorA.user.email, password: "a brand new passphrase 2026")
        }
    }

    @Test("the TOTP second factor: enrolled from the account page, then asked at each sign-in; a wrong code opens nothing")
    func secondFactor() async throws {
        let clock = TestClock.app()
        try await withTestApp(configure(clock)) { app in
            let world = try await World.make(app)
            let email = world.operatorA.user.email
            var browser = try await WebClient.signedIn(app, email: email)
            try await browser.get("/compte")
            let start = try await browser.post("/compte/second-facteur", ["action": "activer"])
            #expect(start.headers.first(name: .location) == "/connexion/verification?suite=/compte")
            let enrolment = try await browser.get("/connexion/verification?suite=/compte")
            #expect(enrolment.status == .ok)
            let secretText = try #require(enrolment.text.range(of: #"<span class="edc-mono">[A-Z2-7]+</span>"#, options: .regularExpression).map { String(enrolment.text[$0]).replacingOccurrences(of: "<span class=\"edc-mono\">", with: "").replacingOccurrences(of: "</span>", with: "") })
            let secret = try #require(Base32.decode(secretText))
            // While enrolling, the session opens nothing else.
            #expect(try await browser.get("/espace").headers.first(name: .location) == "/connexion/verification")
            let wrong = try await browser.post("/connexion/verification?suite=/compte", ["code": "000000"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(WebClient.fieldError("code", in: wrong.text) != nil)
            let ok = try await browser.post("/connexion/verification?suite=/compte", ["code": TOTP.code(secret: secret, at: clock.now)])
            #expect(ok.headers.first(name: .location) == "/compte")
            #expect(try await browser.get("/compte").text.contains("Activée"))
            // Next sign-in: password, then the code.
            var next = WebClient(app: app)
            try await next.get("/connexion")
            let password = try await next.post("/connexion", ["email": email, "password": World.password])
            #expect(password.headers.first(name: .location) == "/connexion/verification")
            #expect(try await next.get("/compte").headers.first(name: .location) == "/connexion/verification")
            try await next.get("/connexion/verification")
            #expect(try await next.post("/connexion/verification", ["code": "123456"]).status == .unprocessableEntity)
            clock.advance(by: 31)
            #expect(try await next.post("/connexion/verification", ["code": TOTP.code(secret: secret, at: clock.now)]).headers.first(name: .location) == "/espace")
            #expect(try await next.get("/espace").status == .ok)
            // API tokens too: the password alone no longer gives one.
            func token(_ code: String?) async throws -> TestingHTTPResponse {
                var body: [String: String] = ["email": email, "password": World.password]
                body["code"] = code
                return try await app.send(.POST, "/api/v1/auth/tokens", json: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
            }
            let without = try await token(nil)
            #expect(without.status == .unprocessableEntity)
            #expect(without.text.contains("totp.required"))
            #expect(try await token("000000").status == .unprocessableEntity)
            clock.advance(by: 31)
            #expect(try await token(TOTP.code(secret: secret, at: clock.now)).status == .created)
        }
    }

    @Test("ANS accounts must enrol a second factor when EDC_TOTP_REQUIRED_FOR_ANS is set")
    func secondFactorRequiredForANS() async throws {
        try await withTestApp({ $0.web.totpRequiredForANS = true }) { app in
            let world = try await World.make(app)
            var reviewer = WebClient(app: app)
            try await reviewer.get("/connexion")
            #expect(try await reviewer.post("/connexion", ["email": world.reviewer.user.email, "password": World.password]).headers.first(name: .location) == "/connexion/verification")
            #expect(try await reviewer.get("/ans").headers.first(name: .location) == "/connexion/verification")
            #expect(try await reviewer.get("/connexion/verification").text.contains("Activation de la vérification en deux étapes"))
            // Operators are not concerned.
            _ = try await WebClient.signedIn(app, email: world.operatorA.user.email)
        }
    }

    @Test("a forgotten password: the same answer for any address, a link by e-mail for a real one, usable once")
    func forgottenPassword() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            var browser = WebClient(app: app)
            try await browser.get("/mot-de-passe-oublie")
            let unknown = try await browser.post("/mot-de-passe-oublie", ["email": "personne@inconnu.example.fr"])
            let known = try await browser.post("/mot-de-passe-oublie", ["email": world.operatorA.user.email])
            #expect(unknown.status == .seeOther && known.status == .seeOther)
            #expect(unknown.headers.first(name: .location) == known.headers.first(name: .location))
            let invalid = try await browser.post("/mot-de-passe-oublie", ["email": "pas une adresse"])
            #expect(invalid.status == .unprocessableEntity)
            #expect(WebClient.fieldValue("email", in: invalid.text) == "pas une adresse")
            await app.edc.pendingWork.drain()
            let mailDirectory = URL(fileURLWithPath: app.edc.settings.dataDirectory).appendingPathComponent("mail")
            let files = try FileManager.default.contentsOfDirectory(atPath: mailDirectory.path).filter { $0.hasSuffix(".eml") }
            #expect(files.count == 1)
            let mail = try String(contentsOf: mailDirectory.appendingPathComponent(try #require(files.first)), encoding: .utf8)
            #expect(mail.contains("To: ") && mail.contains(world.operatorA.user.email))
            // The bodies are base64: decode each run of base64 lines.
            var unfolded = ""
            var run = ""
            for line in mail.components(separatedBy: "\r\n") + [""] {
                if line.count >= 4, line.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }) { run += line; continue }
                if let data = Data(base64Encoded: run) { unfolded += String(decoding: data, as: UTF8.self) }
                run = ""
            }
            let token = try #require(unfolded.range(of: #"jeton=[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(unfolded[$0].dropFirst("jeton=".count)) })
            let page = try await browser.get("/nouveau-mot-de-passe?jeton=\(token)")
            #expect(page.status == .ok)
            let weak = try await browser.post("/nouveau-mot-de-passe", ["jeton": token, "password": "court", "confirmation": "court"])
            #expect(weak.status == .unprocessableEntity)
            #expect(WebClient.fieldError("password", in: weak.text) != nil)
            #expect(try await browser.post("/nouveau-mot-de-passe", ["jeton": token, "password": "a fresh passphrase 2026", "confirmation": "a fresh passphrase 2026"]).status == .seeOther)
            #expect(try await browser.get("/nouveau-mot-de-passe?jeton=\(token)").status == .gone)
            _ = try await WebClient.signedIn(app, email: world.operatorA.user.email, password: "a fresh passphrase 2026")
        }
    }

    @Test("the design system is served with a year of caching, nothing outside its directory, and Marianne only with the State brand")
    func staticFiles() async throws {
        for brand in [false, true] {
            try await withTestApp({ $0.web.stateBrand = brand }) { app in
                let css = try await app.send(.GET, "/dsfr/1.14.4/dsfr.min.css")
                #expect(css.status == .ok)
                #expect(css.headers.first(name: .contentType)?.hasPrefix("text/css") == true)
                #expect(css.headers.first(name: .cacheControl) == "public, max-age=31536000, immutable")
                #expect(try await app.send(.GET, "/static/edc.css").status == .ok)
                for path in ["/dsfr/1.14.4/../../../etc/passwd", "/dsfr/1.14.4/%2e%2e/%2e%2e/etc/passwd", "/dsfr/1.14.4/README.md", "/static/.hidden.css", "/dsfr/1.14.4/fonts"] {
                    #expect(try await app.send(.GET, path).status == .notFound, "\(path)")
                }
                #expect(try await app.send(.GET, "/dsfr/1.14.4/fonts/Marianne-Regular.woff2").status == (brand ? .ok : .notFound))
                let home = try await app.send(.GET, "/").text
                #expect(home.contains("edc-neutral.css") == !brand)
                #expect(home.contains("fr-logo") == brand)
            }
        }
    }

    @Test("errors on pages are French pages; the API keeps its problem documents")
    func errorPages() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            var browser = WebClient(app: app)
            let missing = try await browser.get("/nulle-part")
            #expect(missing.status == .notFound)
            #expect(missing.headers.contentType?.subType == "html")
            #expect(missing.text.contains("Page introuvable"))
            let api = try await app.send(.GET, "/api/v1/requests/00000000-0000-0000-0000-000000000000", as: world.operatorA, headers: ["Accept": "text/html"])
            #expect(api.headers.first(name: .contentType)?.hasPrefix("application/problem+json") == true)
            // Operators get 404 on ANS pages; signed-out visitors go to the sign-in, and come back after.
            var alice = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            #expect(try await alice.get("/ans").status == .notFound)
            var visitor = WebClient(app: app)
            #expect(try await visitor.get("/espace").headers.first(name: .location) == "/connexion?suite=/espace")
            try await visitor.get("/connexion?suite=/espace")
            #expect(try await visitor.post("/connexion?suite=/espace", ["email": world.operatorA.user.email, "password": World.password]).headers.first(name: .location) == "/espace")
            var redirected = WebClient(app: app)
            try await redirected.get("/connexion?suite=//evil.example")
            #expect(try await redirected.post("/connexion?suite=//evil.example", ["email": world.operatorA.user.email, "password": World.password]).headers.first(name: .location) == "/espace")
        }
    }

    @Test("the web settings are read from the environment; malformed values stop the start")
    func settings() throws {
        let settings = try Settings.fromEnvironment([
            "EDC_STATE_BRAND": "true", "EDC_COOKIE_SECURE": "false", "EDC_SESSION_IDLE_MINUTES": "15", "EDC_SESSION_MAX_HOURS": "8",
            "EDC_TOTP_REQUIRED_FOR_ANS": "true", "EDC_DSFR_DIR": "/opt/dsfr", "EDC_DOCS_DIR": "/opt/docs",
        ])
        #expect(settings.web.stateBrand && settings.web.secureCookies == false && settings.web.totpRequiredForANS)
        #expect(settings.web.sessions.idleTimeout == 900 && settings.web.sessions.absoluteTimeout == 8 * 3600)
        #expect(settings.web.dsfrDirectory == "/opt/dsfr" && settings.web.docsDirectory == "/opt/docs")
        // Secure cookies by default behind an https public address.
        #expect(try Settings.fromEnvironment(["EDC_PUBLIC_BASE_URL": "https://edc.example.fr"]).web.secureCookies == true)
        #expect(try Settings.fromEnvironment([:]).web.secureCookies == nil)
        for (name, value) in [("EDC_STATE_BRAND", "oui"), ("EDC_COOKIE_SECURE", "1"), ("EDC_SESSION_IDLE_MINUTES", "0"), ("EDC_SESSION_MAX_HOURS", "1000"), ("EDC_TOTP_REQUIRED_FOR_ANS", "yes")] {
            #expect(throws: SettingsError.self, "\(name)=\(value)") { try Settings.fromEnvironment([name: value]) }
        }
    }

    @Test("the guides are served as text from the docs directory, and nothing else from it")
    func guides() async throws {
        try await withTestApp({ $0.web.docsDirectory = FileManager.default.currentDirectoryPath + "/docs" }) { app in
            let guide = try await app.send(.GET, "/guides/editeur")
            #expect(guide.status == .ok)
            #expect(guide.headers.first(name: .contentType) == "text/plain; charset=utf-8")
            #expect(guide.text.contains("edc-agent"))
            #expect(try await app.send(.GET, "/guides/operateur").status == .ok)
            for path in ["/guides/benchmarks", "/guides/..%2FREADME.md", "/guides/"] {
                #expect(try await app.send(.GET, path).status == .notFound, "\(path)")
            }
        }
    }

    @Test("housekeeping deletes browser sessions and password links a day after they ended, and keeps live ones")
    func housekeeping() async throws {
        let clock = TestClock.app()
        try await withTestApp(configure(clock)) { app in
            let world = try await World.make(app)
            var signedOut = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await signedOut.get("/compte")
            try await signedOut.post("/deconnexion", [:])
            _ = try await WebClient.signedIn(app, email: world.operatorB.user.email)
            _ = try await PasswordResets(accounts: app.edc.accounts).request(email: world.operatorA.user.email)
            let early = try await app.edc.housekeeping.run()
            #expect(early.webSessions == 0 && early.passwordResetLinks == 0)
            clock.advance(days: 3)
            var live = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let report = try await app.edc.housekeeping.run()
            #expect(report.webSessions == 2)
            #expect(report.passwordResetLinks == 1)
            #expect(try await live.get("/ans").status != .seeOther)
        }
    }
}

"""An SMTP sink for scripts/bench-mail.sh: aiosmtpd on 127.0.0.1 with STARTTLS required and
AUTH (any user whose password equals its name), counting and dropping messages. Prints its port,
then, every 100 messages, the count so far."""
import os, socket, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

directory = sys.argv[1]
probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(os.path.join(directory, "smtp.pem"), os.path.join(directory, "smtp.key"))
count = 0

class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        if count % 100 == 0:
            print(count, flush=True)
        return "250 2.0.0 OK"

def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login == auth_data.password:
        return AuthResult(success=True)
    return AuthResult(success=False, handled=False)

controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                        authenticator=authenticator, auth_required=True, auth_require_tls=True)
controller.start()
print(port, flush=True)
while True:
    time.sleep(3600)

"""smtplib, unmodified, from many threads at once; run under ``python -m gmonkey``.

    python -m gmonkey smtp_client.py PORT N

Each of N threads sends one message through its own ``smtplib.SMTP``
connection; the server takes its time to accept each. Prints one JSON line.
"""

import json
import smtplib
import sys
import threading
import time
from email.message import EmailMessage


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    replies = [None] * n

    def send(i):
        message = EmailMessage()
        message["From"] = "gstack@example.invalid"
        message["To"] = f"user{i}@example.invalid"
        message["Subject"] = f"message {i}"
        message.set_content(f"body of message {i}\n.leading dot\n")
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()
            replies[i] = smtp.send_message(message)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"refused": replies, "elapsed": time.monotonic() - began}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""tests/net/peer.py - test servers that answer with the peer's address.
  peer.py serve PROTO PORT [TAG]  answer each TCP connection / UDP datagram
                                  with "TAG PEER-IP\n" (forever)
  peer.py ask PROTO HOST PORT     connect / send, print the answer (3 s timeout)
"""
import socket
import sys


def serve(proto, port, tag):
    if proto == 'tcp':
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', port))
        s.listen(64)
        while True:
            c, a = s.accept()
            c.sendall(f'{tag} {a[0]}\n'.encode())
            c.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0', port))
    while True:
        _, a = s.recvfrom(2048)
        s.sendto(f'{tag} {a[0]}\n'.encode(), a)


def ask(proto, host, port):
    if proto == 'tcp':
        s = socket.create_connection((host, port), timeout=3)
        data = s.recv(200)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(b'hi', (host, port))
        data = s.recv(200)
    sys.stdout.write(data.decode())


if __name__ == '__main__':
    if sys.argv[1] == 'serve':
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else 'peer')
    else:
        ask(sys.argv[2], sys.argv[3], int(sys.argv[4]))

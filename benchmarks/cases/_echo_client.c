/* The load generator of stream_echo: an echo client in C, the same for every server.
 *
 * Usage: _echo_client PORT CONNECTIONS WARMUP_SECONDS SECONDS
 *
 * Opens CONNECTIONS loopback TCP connections to 127.0.0.1:PORT (TCP_NODELAY,
 * non-blocking, in one edge-triggered epoll set) and keeps one 64-byte
 * message in flight on each: send it, wait for the 64 bytes to come back,
 * check they are the bytes sent, send the next. Round trips made during the
 * first WARMUP_SECONDS are not counted; then it counts them for SECONDS and
 * prints "ROUND_TRIPS_PER_SECOND MIN_ROUND_TRIPS_OF_ONE_CONNECTION
 * ROUND_TRIPS_IN_ALL" on one line (the last one with the warm-up's, for
 * dividing by the server's CPU time over the client's whole run). It fails (a message on stderr, exit status 1) if the server closes
 * a connection, sends back other bytes, or leaves a connection without a
 * single round trip in the counted time, so that a broken server cannot
 * score. Its time is bounded: it stops at the deadline whatever the server does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define MAXCONN 1024

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s PORT CONNECTIONS WARMUP_SECONDS SECONDS\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]);
    double warmup = atof(argv[3]), seconds = atof(argv[4]);
    if (port < 1 || port > 65535 || n < 1 || n > MAXCONN || warmup < 0 || seconds <= 0) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    static int fds[MAXCONN], got[MAXCONN];
    static long counts[MAXCONN];
    long all = 0; /* round trips, the warm-up's included */
    for (int i = 0; i < n; i++) {
        int one = 1;
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0) die("socket");
        if (connect(fds[i], (void *)&addr, sizeof addr) != 0) die("connect");
        if (setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("TCP_NODELAY");
        if (fcntl(fds[i], F_SETFL, O_NONBLOCK) != 0) die("O_NONBLOCK");
        struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e) != 0) die("epoll_ctl");
    }
    char msg[MSG], buf[MSG];
    for (int i = 0; i < MSG; i++) msg[i] = (char)('A' + i % 26);
    struct epoll_event ev[64];
    double start = now(), counted_from = start + warmup, deadline = counted_from + seconds;
    int counting = warmup == 0;
    for (int i = 0; i < n; i++)
        if (send(fds[i], msg, MSG, 0) != MSG) die("send");
    double t;
    while ((t = now()) < deadline) {
        if (!counting && t >= counted_from) {
            memset(counts, 0, sizeof counts);
            counted_from = t;
            counting = 1;
        }
        int k = epoll_wait(ep, ev, 64, 100); /* wakes up now and then: the deadline holds */
        if (k < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int j = 0; j < k; j++) {
            int slot = (int)ev[j].data.u32, fd = fds[slot];
            for (;;) {
                ssize_t r = recv(fd, buf, MSG - got[slot], 0);
                if (r < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK) break; /* wait for the next edge */
                    if (errno == EINTR) continue;
                    die("recv");
                }
                if (r == 0) {
                    fprintf(stderr, "the server closed connection %d\n", slot);
                    return 1;
                }
                if (memcmp(buf, msg + got[slot], (size_t)r) != 0) {
                    fprintf(stderr, "connection %d: the echo differs from what was sent\n", slot);
                    return 1;
                }
                got[slot] += (int)r;
                if (got[slot] == MSG) {
                    got[slot] = 0;
                    counts[slot]++;
                    all++;
                    if (send(fd, msg, MSG, 0) != MSG) die("send");
                }
            }
        }
    }
    double elapsed = now() - counted_from;
    long total = 0, least = -1;
    for (int i = 0; i < n; i++) {
        total += counts[i];
        if (least < 0 || counts[i] < least) least = counts[i];
    }
    if (least == 0) {
        fprintf(stderr, "a connection made no round trip in %.1f s (%ld in all)\n", elapsed, total);
        return 1;
    }
    printf("%.1f %ld %ld\n", total / elapsed, least, all);
    return 0;
}

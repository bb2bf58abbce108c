/* The kernel's floor under tcp_echo: the same round trips, in C, no library.
 *
 * Usage: _echo_floor CONNECTIONS SECONDS SERVER_CPU CLIENT_CPU (CPU -1: not pinned)
 *
 * A server process (forked) and this client process, each on its own CPU,
 * 100 loopback TCP connections with TCP_NODELAY, 64-byte messages. Each side
 * makes the system calls a cooperative socket makes: the server reads with
 * a 4096-byte buffer until EAGAIN and echoes each piece; the client sends,
 * tries a read (EAGAIN: the echo is not there yet) and waits in epoll
 * (edge-triggered) for it. Prints "ROUND_TRIPS_PER_SECOND" on one line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define MAXCONN 1024

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
}

static void die(const char *what) { perror(what); exit(2); }

static void prepare(int fd, int ep, int slot) {
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("TCP_NODELAY");
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) die("O_NONBLOCK");
    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)slot};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) die("epoll_ctl");
}

static void serve(int listener, int n) {
    int ep = epoll_create1(0), fds[MAXCONN];
    char buf[4096];
    struct epoll_event ev[64];
    for (int i = 0; i < n; i++) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) die("accept");
        fds[i] = fd;
        prepare(fd, ep, i);
    }
    for (;;) {
        int k = epoll_wait(ep, ev, 64, -1);
        for (int i = 0; i < k; i++) {
            int fd = fds[ev[i].data.u32];
            for (;;) {
                ssize_t r = recv(fd, buf, sizeof buf, 0);
                if (r <= 0) break; /* EAGAIN: wait for the next edge */
                if (send(fd, buf, r, 0) != r) die("server send");
            }
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s CONNECTIONS SECONDS SERVER_CPU CLIENT_CPU\n", argv[0]); return 2; }
    int n = atoi(argv[1]);
    double seconds = atof(argv[2]);
    if (n < 1 || n > MAXCONN || seconds <= 0) { fprintf(stderr, "bad arguments\n"); return 2; }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (bind(listener, (void *)&addr, sizeof addr) || listen(listener, MAXCONN) ||
        getsockname(listener, (void *)&addr, &len))
        die("listen");
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        pin(atoi(argv[3]));
        serve(listener, n);
        return 0;
    }
    pin(atoi(argv[4]));
    close(listener);
    int ep = epoll_create1(0), fds[MAXCONN];
    for (int i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fds[i], (void *)&addr, sizeof addr) != 0) die("connect");
        prepare(fds[i], ep, i);
    }
    char msg[MSG], buf[MSG];
    int got[MAXCONN] = {0};
    memset(msg, 'x', MSG);
    long count = 0;
    struct epoll_event ev[64];
    double start = now(), deadline = start + seconds;
    for (int i = 0; i < n; i++) {
        if (send(fds[i], msg, MSG, 0) != MSG) die("client send");
        recv(fds[i], buf, MSG, 0); /* EAGAIN, as the cooperative socket's first try */
    }
    while (now() < deadline) {
        int k = epoll_wait(ep, ev, 64, -1);
        for (int i = 0; i < k; i++) {
            int slot = (int)ev[i].data.u32, fd = fds[slot];
            for (;;) {
                ssize_t r = recv(fd, buf, MSG - got[slot], 0);
                if (r <= 0) break;
                got[slot] += r;
                if (got[slot] == MSG) {
                    got[slot] = 0;
                    count++;
                    if (send(fd, msg, MSG, 0) != MSG) die("client send");
                }
            }
        }
    }
    double elapsed = now() - start;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    printf("%.1f\n", count / elapsed);
    return 0;
}

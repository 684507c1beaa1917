/*
 * tapbridge: relays Ethernet frames between a TAP device and a unix stream socket using QEMU's
 * stream framing (4-byte big-endian length, then the frame). Run it inside a network namespace:
 * the kernel's stack in that namespace then plays the guest of a user-mode network listening on
 * the socket. One thread per direction; each side batches as many frames per system call as it can.
 *
 *   tapbridge SOCKET_PATH TAP_NAME
 *
 * Exits when the socket closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FRAME 65550
#define BATCH (1 << 20)

static int tap_fd;
static int sock_fd;

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                poll(&pfd, 1, -1);
                continue;
            }
            die("write socket");
        }
        p += w;
        n -= (size_t) w;
    }
}

/* TAP to socket: drain every frame the TAP has queued into one buffer, then one write. */
static void *tap_to_socket(void *unused) {
    (void) unused;
    uint8_t *buf = malloc(BATCH + MAX_FRAME + 4);
    for (;;) {
        size_t used = 0;
        while (used < BATCH) {
            ssize_t n = read(tap_fd, buf + used + 4, MAX_FRAME);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) break;
                die("read tap");
            }
            uint32_t len = (uint32_t) n;
            buf[used] = (uint8_t) (len >> 24);
            buf[used + 1] = (uint8_t) (len >> 16);
            buf[used + 2] = (uint8_t) (len >> 8);
            buf[used + 3] = (uint8_t) len;
            used += 4 + (size_t) n;
        }
        if (used > 0) {
            write_all(sock_fd, buf, used);
        } else {
            struct pollfd pfd = {.fd = tap_fd, .events = POLLIN};
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR) die("poll tap");
        }
    }
    return NULL;
}

/* Socket to TAP: read as much as is there, write each complete frame to the TAP. */
static void socket_to_tap(void) {
    uint8_t *buf = malloc(BATCH + MAX_FRAME + 4);
    size_t have = 0;
    for (;;) {
        ssize_t n = read(sock_fd, buf + have, BATCH + MAX_FRAME + 4 - have);
        if (n == 0) exit(0);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("read socket");
        }
        have += (size_t) n;
        size_t pos = 0;
        while (have - pos >= 4) {
            uint32_t len = ((uint32_t) buf[pos] << 24) | ((uint32_t) buf[pos + 1] << 16)
                    | ((uint32_t) buf[pos + 2] << 8) | buf[pos + 3];
            if (len > MAX_FRAME) {
                fprintf(stderr, "tapbridge: frame of %u bytes\n", len);
                exit(1);
            }
            if (have - pos - 4 < len) break;
            for (;;) {
                ssize_t w = write(tap_fd, buf + pos + 4, len);
                if (w >= 0) break;
                if (errno == EINTR) continue;
                if (errno == EAGAIN) {
                    struct pollfd pfd = {.fd = tap_fd, .events = POLLOUT};
                    poll(&pfd, 1, -1);
                    continue;
                }
                /* The kernel refuses some frames (for example while the link is down): drop, as a wire would. */
                break;
            }
            pos += 4 + len;
        }
        memmove(buf, buf + pos, have - pos);
        have -= pos;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: tapbridge SOCKET_PATH TAP_NAME\n");
        return 2;
    }
    tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
    if (tap_fd < 0) die("open /dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, argv[2], IFNAMSIZ - 1);
    if (ioctl(tap_fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");

    sock_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (sock_fd < 0) die("socket");
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (connect(sock_fd, (struct sockaddr *) &addr, sizeof addr) < 0) die("connect");
    int sndbuf = 4 << 20;
    setsockopt(sock_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    setsockopt(sock_fd, SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof sndbuf);

    pthread_t t;
    if (pthread_create(&t, NULL, tap_to_socket, NULL) != 0) die("pthread_create");
    socket_to_tap();
    return 0;
}

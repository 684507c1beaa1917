/**
 * Every port a program in the machine listens on, forwarded to the host: a reporter loop in the
 * guest lists its listening sockets, and the agent adds and removes berth-net's automatic forwards
 * as they appear and vanish.
 */
package dev.berth.agent.ports;

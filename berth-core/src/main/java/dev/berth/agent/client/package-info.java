/**
 * What a short-lived {@code berth} command runs to start, probe and stop a machine's agent: it
 * launches the agent process, asks it for its status, relays its events while a start runs, and
 * cleans up after an agent that crashed. Nothing here runs inside the agent.
 */
package dev.berth.agent.client;

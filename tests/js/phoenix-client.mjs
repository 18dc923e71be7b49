// Exercises a node through the official phoenix client: join, push, heartbeat, leave, rejoin.
// Usage: node phoenix-client.mjs ws://host:port/socket topic
import { Socket } from "phoenix"
import WebSocket from "ws"

const [url, topic] = process.argv.slice(2)
const socket = new Socket(url, { transport: WebSocket, heartbeatIntervalMs: 200 })
const fail = (what, e) => { console.log(`FAIL ${what} ${JSON.stringify(e)}`); process.exit(1) }
const push = (channel, event) => new Promise((resolve, reject) =>
  channel.push(event, {}).receive("ok", resolve).receive("error", reject).receive("timeout", () => reject("timeout")))

socket.onError(e => fail("socket", String(e)))
socket.connect()
const channel = socket.channel(topic, {})
channel.join()
  .receive("ok", async () => {
    try {
      const local = await push(channel, "get_connection_stats")
      console.log(`JOINED node=${local.node} total=${local.total} topic=${local.connections[topic]}`)
      const info = await push(channel, "get_monitoring_info")
      console.log(`INFO node=${info.node} max_channels=${info.limits.max_channels_per_socket}`)
      // Let a few heartbeats go by; the client reconnects if a reply is missing.
      await new Promise(r => setTimeout(r, 700))
      console.log(`HEARTBEATS ok connected=${socket.isConnected()}`)
      channel.leave().receive("ok", () => {
        console.log("LEFT")
        socket.disconnect(() => process.exit(0))
      })
    } catch (e) { fail("push", e) }
  })
  .receive("error", e => fail("join", e))

// Server publish and admin disconnect as the official phoenix client sees them: one socket per argument joins the
// topic (with the join token after '#', if any), prints each "notice" it receives as "NOTICE <i> <text>" and its
// socket's close as "CLOSED <i> <code> <reason>". It does not reconnect within a test's time. Runs until stopped.
// Usage: node phoenix-admin.mjs topic ws://node1/socket#token ws://node2/socket [...]
import { Socket } from "phoenix"
import WebSocket from "ws"

const [topic, ...targets] = process.argv.slice(2)

targets.forEach((target, i) => {
  const [url, token] = target.split("#")
  const socket = new Socket(url, { transport: WebSocket, reconnectAfterMs: () => 60000 })
  socket.onClose(e => console.log(`CLOSED ${i} ${e.code} ${e.reason}`))
  socket.connect()
  const channel = socket.channel(topic, token ? { token } : {})
  channel.on("notice", ({ text }) => console.log(`NOTICE ${i} ${text}`))
  channel.join()
    .receive("ok", () => console.log(`JOINED ${i}`))
    .receive("error", e => console.log(`FAIL join ${i} ${JSON.stringify(e)}`))
})

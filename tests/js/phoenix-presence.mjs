// Phoenix Presence across nodes through the official phoenix client: one socket per argument joins the topic (with
// the join token after '#', if any) and prints its Presence list on every sync as "SYNC <i> key=metas,..." (keys
// sorted, anonymous keys as "anonymous"). Runs until stopped.
// Usage: node phoenix-presence.mjs topic ws://node1/socket#token ws://node2/socket [...]
import { Socket, Presence } from "phoenix"
import WebSocket from "ws"

const [topic, ...targets] = process.argv.slice(2)

targets.forEach((target, i) => {
  const [url, token] = target.split("#")
  const socket = new Socket(url, { transport: WebSocket, reconnectAfterMs: () => 60000 })
  socket.connect()
  const channel = socket.channel(topic, token ? { token } : {})
  const presence = new Presence(channel)
  presence.onSync(() => {
    const counts = {}
    presence.list((key, { metas }) => {
      const name = key.startsWith("anonymous:") ? "anonymous" : key
      counts[name] = (counts[name] ?? 0) + metas.length
    })
    const list = Object.keys(counts).sort().map(k => `${k}=${counts[k]}`).join(",")
    console.log(`SYNC ${i} ${list}`)
  })
  channel.join()
    .receive("ok", () => console.log(`JOINED ${i}`))
    .receive("error", e => console.log(`FAIL join ${i} ${JSON.stringify(e)}`))
})

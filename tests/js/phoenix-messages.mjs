// Messages across nodes through the official phoenix client: one socket per node URL joins the topic, the first
// pushes "shout", and every socket prints what its channel.on("shout") received.
// Usage: node phoenix-messages.mjs topic ws://node1/socket ws://node2/socket [...]
import { Socket } from "phoenix"
import WebSocket from "ws"

const [topic, ...urls] = process.argv.slice(2)
const fail = (what, e) => { console.log(`FAIL ${what} ${JSON.stringify(e)}`); process.exit(1) }
const joined = (channel) => new Promise((resolve, reject) =>
  channel.join().receive("ok", resolve).receive("error", reject).receive("timeout", () => reject("timeout")))

const channels = urls.map((url, i) => {
  const socket = new Socket(url, { transport: WebSocket })
  socket.onError(e => fail(`socket ${i}`, String(e)))
  socket.connect()
  const channel = socket.channel(topic, {})
  channel.on("shout", payload => console.log(`RECEIVED ${i} ${payload.from}: ${payload.body}`))
  return channel
})

try {
  await Promise.all(channels.map(joined))
  console.log(`JOINED ${channels.length}`)
  await new Promise((resolve, reject) =>
    channels[0].push("shout", { from: "socket 0", body: "hello, 🙂" })
      .receive("ok", resolve).receive("error", reject).receive("timeout", () => reject("timeout")))
  console.log("SENT")
  // Give every other node time to deliver, and the sender time to (wrongly) hear itself.
  await new Promise(r => setTimeout(r, 1000))
  console.log("DONE")
  process.exit(0)
} catch (e) { fail("messages", e) }

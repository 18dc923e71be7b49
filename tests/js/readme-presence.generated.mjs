// presence.mjs: alice and bob join room:lobby; each lists who is present, then both leave.
import { Socket, Presence } from "phoenix"
import WebSocket from "ws"

const url = "ws://127.0.0.1:46303/socket"
const people = ["alice", "bob"].map(name => {
  const socket = new Socket(url, { transport: WebSocket })
  socket.connect()
  const room = socket.channel("room:lobby", {})
  const presence = new Presence(room)
  const seen = new Promise(resolve => presence.onSync(() => {
    const present = presence.list((key, { metas }) => metas.length).reduce((a, b) => a + b, 0)
    if (present >= 2) resolve(present)
  }))
  room.join()
  return { name, socket, seen }
})
for (const { name, seen } of people) console.log(`${name} sees ${await seen} present`)
people.forEach(({ socket }) => socket.disconnect()) // both sockets closed, so the program ends

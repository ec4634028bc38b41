// The upload benchmark's baseline: a bare node:http server that writes each request body to a file
// in RAW_UPLOAD_DIR (the same bytes the API stores) and answers its size. Its own process, as the
// API under test is. Listens on RAW_UPLOAD_PORT and logs one JSON line when it does.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const folder = process.env.RAW_UPLOAD_DIR ?? '/tmp';
let serial = 0;
const server = createServer((request, response) => {
  serial += 1;
  const path = join(folder, `raw-${process.pid}-${serial}.bin`);
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  pipeline(request, createWriteStream(path))
    .then(async () => {
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ size }));
      await rm(path, { force: true });
    })
    .catch(() => response.destroy());
});
server.listen(Number(process.env.RAW_UPLOAD_PORT ?? 0), '127.0.0.1', () => {
  console.log(
    JSON.stringify({ msg: 'raw upload server listening', port: (server.address() as { port: number }).port }),
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

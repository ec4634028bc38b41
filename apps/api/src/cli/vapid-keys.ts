// `pnpm push:vapid-keys`: prints a new VAPID key pair as .env lines (VAPID_PUBLIC_KEY,
// VAPID_PRIVATE_KEY). Keep the private key secret; changing the pair orphans every browser
// subscription made with the old public key (browsers must subscribe again).
import webpush from 'web-push';

const { publicKey, privateKey } = webpush.generateVAPIDKeys();
process.stdout.write(`VAPID_PUBLIC_KEY=${publicKey}\nVAPID_PRIVATE_KEY=${privateKey}\n`);

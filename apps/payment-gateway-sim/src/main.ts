// The payment gateway simulator as its own process (./scripts/dev.sh, the API's tests): listens on
// PAYMENT_GATEWAY_SIM_PORT (0: any free port) and logs the port it took; SIGTERM stops it.
import { createLogger, loadEnvOrExit, onShutdownSignal } from '@pbshop/config';
import { createGatewaySimulator } from './simulator.ts';

const env = loadEnvOrExit('payment-gateway-sim', process.env, [
  'LOG_LEVEL',
  'PAYMENT_GATEWAY_SIM_PORT',
  'PAYMENT_GATEWAY_SECRET_KEY',
]);
const logger = createLogger(env, 'payment-gateway-sim');
const simulator = createGatewaySimulator({ secretKey: env.PAYMENT_GATEWAY_SECRET_KEY, logger });
const port = await simulator.listen(env.PAYMENT_GATEWAY_SIM_PORT);
logger.info({ port, url: `http://127.0.0.1:${port}` }, 'payment gateway simulator listening');

onShutdownSignal(logger, 5000, () => simulator.close());

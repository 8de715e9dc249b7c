// JSON logs (pino). The key and its password never reach a log line: nothing logs them, and should a future line
// pass one along by mistake, these paths are censored anyway.
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

const secretPaths = ['privateKey', 'password', '*.privateKey', '*.password', 'account.privateKey'];

export function createLogger(options: { name?: string; level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'agora',
      level: options.level ?? process.env.AGORA_LOG_LEVEL ?? 'info',
      redact: { paths: secretPaths, censor: '[secret]' },
      serializers: { err: pino.stdSerializers.err },
      // bigint is not JSON: amounts and fuel are logged as decimal strings.
      formatters: {
        log: (object) =>
          JSON.parse(
            JSON.stringify(object, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
          ) as Record<string, unknown>,
      },
    },
    options.destination,
  );
}

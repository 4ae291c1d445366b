/**
 * Which signature algorithm a client uses with a key (RFC 8332 §3.1, RFC 8308 §3.1): the first of the key's
 * algorithms (in our preference order) that the server lists in `server-sig-algs`. Without that list, or
 * when it shares none with ours, the first of ours: the server may still accept it (RFC 8308 §3.1 makes the
 * list advisory), and a refusal costs only the unsigned query.
 */
export function pickSignatureAlgorithm(
  algorithms: readonly string[],
  serverSigAlgs?: readonly string[],
): string | undefined {
  return algorithms.find((a) => serverSigAlgs?.includes(a)) ?? algorithms[0];
}

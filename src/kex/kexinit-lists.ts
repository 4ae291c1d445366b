/** The ten name-lists of an SSH_MSG_KEXINIT (RFC 4253 §7.1), in wire order, as negotiation consumes them. */
export interface KexInitLists {
  kex: string[];
  hostKey: string[];
  cipherCS: string[];
  cipherSC: string[];
  macCS: string[];
  macSC: string[];
  compCS: string[];
  compSC: string[];
  langCS: string[];
  langSC: string[];
}

/** A command-line mistake: printed as one line, exit status 255 (as ssh does). */
export class CliError extends Error {}

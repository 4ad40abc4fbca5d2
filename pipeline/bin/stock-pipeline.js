#!/usr/bin/env node
// Entry point of the `stock-pipeline` CLI (and of the container image).
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));

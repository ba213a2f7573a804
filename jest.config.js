// @ts-check
/** @type {import("jest").Config["transform"]} */
const transform = {
  "^.+\\.(t|j)sx?$": [
    "@swc/jest",
    { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
  ],
};

/**
 * Two projects: `unit` (everything that runs without Docker; `npm test`) and `docker` (`*.docker.test.ts`,
 * opt-in via `npm run test:docker`, fails loudly when no container runtime answers).
 * Plain JS so that jest needs no TypeScript loader for its own configuration.
 * @type {import("jest").Config}
 */
module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      setupFiles: ["<rootDir>/jest.setup.js"],
      transform,
      testMatch: ["<rootDir>/{harness,lambdas,scenarios,asl}/**/*.test.ts"],
      testPathIgnorePatterns: ["\\.docker\\.test\\.ts$", "/node_modules/"],
    },
    {
      displayName: "docker",
      testEnvironment: "node",
      setupFiles: ["<rootDir>/jest.setup.js"],
      transform,
      testMatch: ["<rootDir>/{harness,lambdas,scenarios}/**/*.docker.test.ts"],
    },
  ],
};

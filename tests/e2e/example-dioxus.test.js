// The Dioxus example (examples/dioxus/, on crates/resocket-dioxus/), built by scripts/e2e-tests.sh into
// target/e2e/example-dioxus/: the chat test every framework example shares
// (support/example-chat.js says what it checks).

import { exampleChatTest } from './support/example-chat.js';

exampleChatTest('dioxus');

// The Leptos example (examples/leptos/, on crates/resocket-leptos/), built by scripts/e2e-tests.sh into
// target/e2e/example-leptos/: the chat test every framework example shares
// (support/example-chat.js says what it checks).

import { exampleChatTest } from './support/example-chat.js';

exampleChatTest('leptos');

// The Yew example (examples/yew/, on crates/resocket-yew/), built by scripts/e2e-tests.sh into
// target/e2e/example-yew/: the chat test every framework example shares
// (support/example-chat.js says what it checks).

import { exampleChatTest } from './support/example-chat.js';

exampleChatTest('yew');

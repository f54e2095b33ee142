// Sentiment lexicon for customer support, written for weir (values roughly in [-4, 4], on the
// scale AFINN and VADER use). Three kinds of entry, because they behave differently in support text:
//   FEELINGS  words that judge or express a feeling ("terrible", "love", "ridiculous"): full weight.
//   EVENTS    what happened ("crash", "error", "missing", "charged"): negative, but a calm question
//             about a problem ("the export fails, is there a workaround?") is not an angry message,
//             so the scorer damps them when nothing else in the message carries feeling.
//   PHRASES   multi-word expressions, matched on tokens before single words.
// EXPECTED lists what a customer waits for: "no refund", "still no reply" are complaints, not the
// negation of a negative word.

export const FEELINGS: Record<string, number> = {
  // positive
  good: 1.9, great: 3.1, excellent: 3.4, amazing: 3.4, awesome: 3.3, fantastic: 3.4, wonderful: 3.3, perfect: 3, perfectly: 2.8, love: 3.1, loved: 3.1, loving: 2.6, lovely: 2.7,
  like: 1.2, liked: 1.6, enjoy: 2.2, enjoying: 2.2, enjoyed: 2.2, happy: 2.6, glad: 2.1, pleased: 2.2, satisfied: 2.1, delighted: 3.2, thrilled: 3.2, grateful: 2.6, thankful: 2.4,
  thanks: 0.9, thank: 0.9, thx: 1, ty: 1, appreciate: 2, appreciated: 2.1, helpful: 2.3, helped: 1.6, quick: 1.4, quickly: 1.3, fast: 1.4, faster: 1.6, easy: 1.7, easier: 1.6,
  smooth: 1.9, nice: 1.9, fine: 0.7, recommend: 2.2, best: 2.8, brilliant: 3.2, superb: 3.4, impressive: 2.8, impressed: 2.6, friendly: 2.2, patient: 1.8, professional: 1.8,
  reliable: 2, efficient: 2, cool: 1.4, kind: 1.7, exceeded: 2.4, seamless: 2.3, intuitive: 2, stellar: 3, outstanding: 3.4, terrific: 3.2, hero: 2.5, heroes: 2.5,
  lifesaver: 3, lifesavers: 3, cheers: 1, yay: 2.5, wow: 1.4, rock: 1.5, rocks: 1.8, slick: 2, clear: 1, congrats: 2.6, congratulations: 2.6, relief: 2.2, rare: 0.6,
  transparent: 1.6, solid: 1.8, fair: 1.2, legend: 2.6, gem: 2.5, pleasure: 2.5, beautifully: 2.6, beautiful: 2.8, sorted: 1.4, bravo: 2.8, kudos: 2.8,
  // negative
  bad: -2.5, terrible: -3.4, awful: -3.4, horrible: -3.4, horrendous: -3.6, worst: -3.5, hate: -3.1, hated: -3.1, angry: -3, furious: -3.6, livid: -3.6, upset: -2.4,
  annoyed: -2.3, annoying: -2.3, frustrated: -2.6, frustrating: -2.6, disappointed: -2.6, disappointing: -2.6, unacceptable: -3.2, ridiculous: -3, absurd: -2.8,
  useless: -3, unusable: -3, pathetic: -3.4, joke: -1.8, garbage: -3.4, rubbish: -3, sucks: -3, crap: -3, shameful: -3.2, disgraceful: -3.4, disgusted: -3.4,
  disgusting: -3.4, appalling: -3.6, outrageous: -3.2, incompetent: -3.4, rude: -3, unprofessional: -3, lying: -3, liar: -3, lied: -3, scam: -3.8, fraud: -3.6, illegal: -2.8,
  nightmare: -3.4, disaster: -3.4, poor: -2.3, unhappy: -2.6, sad: -2, confused: -1.3, confusing: -1.8, complicated: -1.3, worse: -2.5, hopeless: -3, sick: -1.2,
  tired: -1.5, shocked: -2.2, unbelievable: -2, seriously: -0.8, ugh: -2.2, sigh: -1.6, wtf: -3, damn: -2.2, hassle: -2, waste: -2.6, wasted: -2.6, hell: -2.4,
  shame: -2.2, downhill: -2.4, skeptical: -1, worried: -1.8, concerned: -1.4, afraid: -1.2, unfortunately: -1, sorry: -0.3, impossible: -1.8, painful: -2.4,
  insane: -2.4, lawyer: -2.6, sue: -3, complaint: -1.6, complain: -1.6, ignored: -2.6, ignoring: -2.6, unresponsive: -2.6, laughed: -2, threw: -1.6, nobody: -1.2,
};

export const EVENTS: Record<string, number> = {
  broken: -2.2, broke: -1.8, breaks: -1.8, crash: -2, crashes: -2.1, crashed: -2.1, crashing: -2.1, crashin: -2.1, bug: -1.4, bugs: -1.5, buggy: -2.1,
  error: -1.2, errors: -1.3, fail: -1.8, failed: -1.8, fails: -1.8, failing: -1.9, failure: -2, slow: -1.6, slower: -1.6, late: -1.5, delayed: -1.6, delay: -1.3,
  missing: -1.5, lost: -1.8, gone: -1.2, disappear: -1.6, disappeared: -1.6, disappears: -1.6, wrong: -1.7, problem: -1.2, problems: -1.5, issue: -0.9, issues: -1.1,
  stuck: -1.8, freezes: -2, freeze: -1.8, frozen: -1.8, overcharged: -2.6, charged: -0.6, billed: -0.4, refund: -0.3, damaged: -2.2, defective: -2.4, soaked: -2,
  hacked: -2.8, locked: -1.4, suspended: -1.6, disabled: -1.4, expired: -1.1, invisible: -1.4, duplicate: -1.2, duplicates: -1.2, unauthorized: -2.2, unauthorised: -2.2,
  outage: -2.2, down: -1, offline: -1, timeout: -1.2, unreachable: -1.8, rejects: -1.4, rejected: -1.4, refused: -1.8, misspelled: -0.8, cancelled: -0.6, canceling: -1,
  cancelling: -1, switching: -1.1, competitor: -1.2, leaving: -1.2, again: -0.6, waiting: -1, hold: -0.6, dropped: -1.5, drops: -1.5, deleted: -1.2, deletes: -1.4,
  wiped: -2, corrupted: -2.2, incomplete: -1.4, cuts: -0.8, invalid: -1, mismatch: -0.8, unable: -1.2, denied: -1.6, blocked: -1.4, blocking: -1.4, loses: -1.6,
  losing: -1.8, worked: 0.8, works: 1.2, working: 0.8, fixed: 2, resolved: 2.1, solved: 2.2, received: 0.4, arrived: 0.3, early: 0.8,
};

/** What a customer is owed or waits for: "no refund", "never got a reply", "still no update". */
export const EXPECTED = new Set([
  "refund", "refunds", "money", "reply", "replies", "response", "responses", "answer", "answers", "update", "updates", "call", "callback", "email", "emails",
  "confirmation", "tracking", "delivery", "package", "parcel", "help", "solution", "fix", "progress", "news", "word", "contact", "one", "acknowledgement", "credit",
]);

/** Multi-word expressions, matched on tokens before single words ("n't" is its own token: "doesn't" → "does n't"). */
export const PHRASES: Array<[string, number]> = [
  ["still broken", -3], ["still not working", -3.2], ["still does n't work", -3.2], ["still no", -2.4], ["still waiting", -2.4], ["still nothing", -2.6], ["still not", -1.6],
  ["does n't work", -2.4], ["does not work", -2.4], ["not working", -2.4], ["do n't work", -2.4], ["wo n't work", -2.4], ["stopped working", -2.6], ["nothing works", -3],
  ["no response", -2.4], ["no reply", -2.4], ["no one", -1.2], ["nobody replies", -2.8], ["waste of time", -3.2], ["waste of money", -3.4], ["on hold", -1.4],
  ["fed up", -3], ["sick of", -2.8], ["tired of", -2.4], ["had enough", -2.8], ["i'm done", -2.4], ["i am done", -2.4], ["done waiting", -2.8], ["last straw", -3],
  ["gone on long enough", -2.8], ["nothing has happened", -2.4], ["nothing has arrived", -2.4], ["never signed up", -1.6], ["never asked", -1.2], ["never ordered", -1.6], ["nothing yet", -2.2], ["thanks for nothing", -3.4], ["not acceptable", -3], ["not true", -1.6],
  ["not ok", -2.2], ["not okay", -2.2], ["not great", -1.8], ["not happy", -2.6], ["not impressed", -2.4], ["not worth", -2.4], ["no longer works", -2.6],
  ["want my money back", -2.6], ["money back", -1.2], ["charged twice", -2.6], ["double charged", -2.6], ["double-charged", -2.6], ["never arrived", -2.6], ["never came", -2.4],
  ["has n't arrived", -2.2], ["has not arrived", -2.2], ["not arrived", -2.2], ["third time", -2], ["second time", -1.4], ["every time", -1], ["every month", -0.6],
  ["speak to a manager", -2.4], ["talk to a human", -1.8], ["let me talk to", -1.2], ["copy-paste answer", -2.4], ["closed my ticket", -1.6], ["without any warning", -1.8],
  ["without solving", -2.2], ["lost an hour", -2.4], ["we lost", -1.8], ["i lost", -1.8], ["all gone", -2.4], ["is down", -1.6], ["are down", -1.6], ["down again", -2.6],
  ["again and again", -2.4], ["times out", -1.4], ["took six days", -1.8], ["do n't have time for this", -2.6], ["who tested this", -2.6], ["what is going on", -2.2],
  ["how long will this take", -1.8], ["is anyone even", -2.6], ["shut me up", -2.6], ["the whole point", -1.8], ["someone took it", -2.2], ["over the fence", -1.6],
  ["works now", 2.6], ["working now", 2.4], ["works perfectly", 3.2], ["runs perfectly", 3], ["thank you so much", 3], ["thanks so much", 2.8], ["thank you thank you", 3],
  ["thanks a lot", 2.2], ["many thanks", 1.4], ["quick fix", 2.2], ["quick response", 2.4], ["fast response", 2.4], ["problem solved", 2.8], ["issue resolved", 2.6],
  ["great job", 3], ["well done", 2.8], ["above and beyond", 3.4], ["hats off", 3], ["top notch", 3], ["keep up the great work", 3.2], ["no problem", 1],
  ["no worries", 1], ["not bad", 1.6], ["ca n't complain", 1.8], ["cannot complain", 1.8], ["love it", 3.2], ["big fan", 2.6], ["made my day", 3.2], ["five stars", 3],
  ["5 stars", 3], ["one star", -3], ["1 star", -3], ["without a single hiccup", 2.8], ["went without a hiccup", 2.8], ["just worked", 2.2], ["just works", 2.2],
  ["in under a minute", 1.6], ["a day early", 1.8], ["take your time", 1.2], ["keeping me updated", 1.6], ["turning it around", 2], ["helped me", 1.6],
  ["kind regards", 0], ["best regards", 0], ["thanks in advance", 0], ["thank you in advance", 0], ["no rush", 0.3], ["how do i", 0], ["would be great", 0.5],
  ["would be nice", 0.5], ["would be helpful", 0.4], ["would love", 0.6], ["would appreciate", 0.3], ["would thank you", 0.4], ["d love to", 0.6],
];

export const EMOJI: Array<[string, number]> = [
  ["😀", 2], ["😃", 2], ["😄", 2], ["😁", 2], ["😊", 2], ["🙂", 1.2], ["😍", 3], ["🥰", 3], ["👍", 1.8], ["🙏", 1.4], ["🎉", 2.4], ["❤️", 2.5], ["❤", 2.5], ["💯", 2], ["✅", 1],
  ["👏", 2.2], ["🤩", 3], [":)", 1.4], [":-)", 1.4], [":D", 2], ["😡", -3.2], ["🤬", -3.6], ["😠", -2.8], ["😤", -2.4], ["😞", -2.2], ["😢", -2.2], ["😭", -2.6], ["👎", -2.2],
  ["🙄", -1.8], ["😒", -1.8], ["💩", -2.8], [":(", -1.8], [":-(", -1.8], ["😩", -2.4], ["😫", -2.4], ["🤦", -2.4],
];

export const NEGATORS = new Set(["not", "no", "never", "n't", "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "wont", "nothing", "nobody", "hardly", "barely", "without", "neither", "nor", "aint"]);
export const INTENSIFIERS: Record<string, number> = {
  very: 0.3, really: 0.25, extremely: 0.45, so: 0.2, sooo: 0.35, soooo: 0.4, super: 0.3, incredibly: 0.4, totally: 0.25, absolutely: 0.35, completely: 0.3, utterly: 0.4,
  highly: 0.25, truly: 0.2, quite: 0.1, most: 0.2, too: 0.15, seriously: 0.25, honestly: 0.1, such: 0.15, insanely: 0.4, deeply: 0.3, beyond: 0.2, "f***ing": 0.5,
};
export const DIMINISHERS: Record<string, number> = { slightly: 0.5, somewhat: 0.6, little: 0.6, kinda: 0.6, "kind of": 0.6, fairly: 0.8, barely: 0.4, bit: 0.6, minor: 0.6, small: 0.8 };
export const CONTRAST = new Set(["but", "however", "although", "though", "except", "otherwise"]);
/** Words that make what follows hypothetical: "would be great if" is a wish, not praise. */
export const CONDITIONAL = new Set(["would", "could", "if", "wish", "hope", "hopefully", "should", "might", "i'd", "we'd", "you'd", "it'd", "they'd"]);

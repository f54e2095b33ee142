// Sentiment lexicon tuned for customer support: general words plus domain terms and phrases
// ("still broken", "works now", "cancel my subscription"). Values roughly in [-4, 4].
export const LEXICON: Record<string, number> = {
  // positive
  good: 2, great: 3, excellent: 3.5, amazing: 3.5, awesome: 3.5, fantastic: 3.5, wonderful: 3.5, perfect: 3, love: 3, loved: 3, loving: 2.5, like: 1.2, liked: 1.5,
  happy: 2.5, glad: 2, pleased: 2.2, satisfied: 2, delighted: 3.2, thrilled: 3.2, grateful: 2.5, thanks: 0.9, thank: 0.9, thx: 1.2, appreciate: 2.2, appreciated: 2.2,
  helpful: 2.3, quick: 1.6, quickly: 1.4, fast: 1.5, easy: 1.7, smooth: 1.8, nice: 2, fine: 0.8, works: 1.4, working: 1, worked: 1.6, fixed: 2.2, resolved: 2.2, solved: 2.3,
  recommend: 2.2, best: 2.8, brilliant: 3.2, superb: 3.4, impressive: 2.8, friendly: 2.2, patient: 1.8, professional: 1.8, reliable: 2, efficient: 2, cool: 1.5, lovely: 2.6,
  kind: 1.8, exceeded: 2.5, seamless: 2.4, intuitive: 2, stellar: 3, outstanding: 3.4, terrific: 3.2, hero: 2.5, lifesaver: 3, cheers: 1.2, yay: 2.5, wow: 1.5, finally: 0.2,
  // negative
  bad: -2.5, terrible: -3.5, awful: -3.5, horrible: -3.5, worst: -3.6, hate: -3.2, hated: -3.2, angry: -3, furious: -3.6, upset: -2.4, annoyed: -2.3, annoying: -2.3,
  frustrated: -2.6, frustrating: -2.6, disappointed: -2.6, disappointing: -2.6, unacceptable: -3.2, ridiculous: -3, useless: -3, broken: -2.5, broke: -2, crash: -2.3,
  crashes: -2.4, crashed: -2.4, crashing: -2.4, bug: -1.6, buggy: -2.3, error: -1.5, errors: -1.6, fail: -2.2, failed: -2.2, fails: -2.2, failing: -2.2, failure: -2.3,
  slow: -1.8, late: -1.8, delayed: -1.9, delay: -1.6, missing: -1.2, lost: -2, wrong: -2, problem: -1.6, problems: -1.8, issue: -1.2, issues: -1.4, stuck: -2,
  refund: -1.2, overcharged: -3, charged: -1, scam: -3.8, fraud: -3.6, rude: -3, incompetent: -3.4, waste: -2.8, wasted: -2.8, nightmare: -3.5, disaster: -3.5,
  poor: -2.3, unhappy: -2.6, sad: -2, confused: -1.4, confusing: -1.8, complicated: -1.3, worse: -2.6, sucks: -3, pathetic: -3.4, joke: -2, garbage: -3.4,
  cancel: -0.6, cancelled: -1.2, canceling: -1.6, unsubscribe: -1.4, leaving: -1.5, switching: -1.4, lawyer: -2.8, sue: -3, complaint: -2, complain: -2,
  unresponsive: -2.6, ignored: -2.6, ignoring: -2.6, waiting: -1.2, wait: -0.8, again: -0.5, unusable: -3, down: -1.2, outage: -2.6, nobody: -1, never: -0.8,
  damaged: -2.6, defective: -2.8, hassle: -2, shocked: -2.2, disgusted: -3.4, appalling: -3.6, hopeless: -3, sorry: -0.3, unfortunately: -1.2, ugh: -2.2,
};

/** Multi-word expressions, matched before single words. */
export const PHRASES: Array<[string, number]> = [
  ["still broken", -3], ["still not working", -3.2], ["still doesn't work", -3.2], ["doesn't work", -2.6], ["does not work", -2.6], ["not working", -2.6],
  ["stopped working", -2.8], ["no response", -2.6], ["no one", -1.4], ["waste of time", -3.2], ["waste of money", -3.4], ["cancel my subscription", -0.6], ["can't log in", -2.4], ["cannot log in", -2.4], ["can't sign in", -2.4], ["locked out", -2.4], ["is locked", -1.8], ["speak to a manager", -2.6], ["gone on long enough", -2.8], ["nothing has happened", -2.4], ["never arrives", -2.4], ["not a big deal", 1.2], ["would be great if", 0.4], ["would be nice if", 0.4], ["it would be great", 0.4], ["keeps receiving", -1.2], ["errors", -1.6], ["none of our users", -2.2], ["is the service down", -2.2],
  ["want my money back", -2.8], ["money back", -2], ["charged twice", -3], ["double charged", -3], ["never arrived", -2.8], ["hasn't arrived", -2.4],
  ["has not arrived", -2.4], ["on hold", -1.6], ["fed up", -3], ["sick of", -2.8], ["had enough", -2.8], ["last time", -1.2], ["third time", -2.2],
  ["works now", 2.6], ["working now", 2.4], ["works perfectly", 3.2], ["thank you so much", 3.2], ["thanks so much", 3], ["thanks a lot", 2.4], ["quick fix", 2.4],
  ["quick response", 2.4], ["fast response", 2.4], ["problem solved", 2.8], ["issue resolved", 2.6], ["great job", 3], ["well done", 2.8], ["above and beyond", 3.4],
  ["no problem", 1.2], ["no worries", 1.2], ["not bad", 1.4], ["can't complain", 1.6], ["love it", 3.2], ["big fan", 2.6], ["made my day", 3.2], ["five stars", 3],
  ["5 stars", 3], ["one star", -3], ["1 star", -3], ["how do i", 0], ["just wondering", 0.2], ["kind regards", 0], ["best regards", 0],
];

export const EMOJI: Array<[string, number]> = [
  ["😀", 2], ["😃", 2], ["😄", 2], ["😊", 2], ["🙂", 1.2], ["😍", 3], ["🥰", 3], ["👍", 1.8], ["🙏", 1.5], ["🎉", 2.5], ["❤️", 2.5], ["❤", 2.5], ["💯", 2], ["✅", 1],
  [":)", 1.5], [":-)", 1.5], [":D", 2], ["😡", -3.2], ["🤬", -3.6], ["😠", -2.8], ["😤", -2.4], ["😞", -2.2], ["😢", -2.2], ["😭", -2.6], ["👎", -2.2], ["🙄", -1.8],
  ["😒", -1.8], ["💩", -2.8], [":(", -1.8], [":-(", -1.8], ["😩", -2.4], ["😫", -2.4],
];

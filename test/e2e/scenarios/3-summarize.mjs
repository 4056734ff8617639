/** Scenario 3: summarize a selection into a panel. Comes with the summarize feature. */
export default {
  id: '3',
  title: 'summarize a selection into a panel',
  skip: 'waiting for the summarize feature (its own issue)',
  async run() {},
};

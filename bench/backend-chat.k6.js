// POST /api/v1/widget/chat at a constant arrival rate (an open model: a new request starts every
// 1/RATE s whether or not the earlier ones have finished, so a slow server shows up as latency and
// dropped iterations rather than as a politely slower client). Run by bench/backend.sh.
import http from 'k6/http';
import { check } from 'k6';

const questions = JSON.parse(open(__ENV.QUESTIONS)).questions.map((q) => q.question);
const rate = Number(__ENV.RATE || 100);
const duration = `${Number(__ENV.DURATION || 60)}s`;

export const options = {
  discardResponseBodies: true,
  scenarios: {
    chat: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration,
      preAllocatedVUs: 50,
      maxVUs: 200,
    },
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max'],
};

export default function () {
  const message = questions[Math.floor(Math.random() * questions.length)];
  const response = http.post(`${__ENV.BASE_URL}/api/v1/widget/chat`, JSON.stringify({ message }), {
    headers: {
      'Content-Type': 'application/json',
      'X-Widget-Key': __ENV.WIDGET_KEY,
      Origin: 'http://localhost:5173',
    },
  });
  check(response, { 'status is 200': (r) => r.status === 200 });
}

export function handleSummary(data) {
  return { [__ENV.SUMMARY]: JSON.stringify(data) };
}

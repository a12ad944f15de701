import type { ItemBody } from '@microsoft/microsoft-graph-types';
import type { StoredMeeting } from './meeting-store';

/**
 * The "Microsoft Teams meeting" block Exchange appends to the body of an online event. PATCHing the
 * body without it breaks the meeting invitation (graph-contract §3.2), which the sandbox records.
 */

const RULE = '_'.repeat(80);

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function spacedMeetingId(m: StoredMeeting): string {
  return m.joinMeetingId.replace(/(\d{3})(?=\d)/g, '$1 ');
}

export function joinBlobHtml(m: StoredMeeting): string {
  const url = escapeHtml(m.joinWebUrl);
  return [
    '<div style="width:100%"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36">',
    RULE,
    '</span></div>',
    '<div class="me-email-text" lang="en-US" style="color:#252424;font-family:\'Segoe UI\',\'Helvetica Neue\',Helvetica,Arial,sans-serif">',
    '<div style="margin-top:24px;margin-bottom:20px"><span style="font-size:24px;color:#252424">Microsoft Teams meeting</span></div>',
    '<div style="margin-bottom:20px"><div style="margin-top:0px;margin-bottom:0px;font-weight:bold"><span style="font-size:14px;color:#252424">Join on your computer, mobile app or room device</span></div>',
    `<a class="me-email-headline" href="${url}" target="_blank" rel="noreferrer noopener" style="font-size:14px;text-decoration:underline;color:#6264a7">Click here to join the meeting</a></div>`,
    `<div style="margin-bottom:20px;margin-top:20px"><div style="margin-bottom:4px"><span data-tid="meeting-code" style="font-size:14px;color:#252424">Meeting ID: <span style="font-size:16px;color:#252424">${spacedMeetingId(m)}</span></span><br>`,
    `<span style="font-size:14px;color:#252424">Passcode: </span><span style="font-size:16px;color:#252424">${escapeHtml(m.passcode)}</span></div></div>`,
    `<div style="margin-bottom:24px;max-width:532px"><span style="font-size:14px;color:#252424">Dial in by phone</span><br><span style="font-size:14px;color:#252424">${escapeHtml(m.tollNumber)},,${m.conferenceId.replace(/ /g, '')}# United States</span><br>`,
    `<span style="font-size:14px;color:#252424">Phone conference ID: </span><span style="font-size:14px;color:#252424">${m.conferenceId}#</span></div>`,
    '<div style="margin-bottom:24px"><a href="https://aka.ms/JoinTeamsMeeting?omkt=en-US" style="font-size:14px;text-decoration:underline;color:#6264a7">Need help?</a></div>',
    `<div style="font-size:14px;margin-bottom:4px;font-family:'Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif"></div></div>`,
    '<div style="font-size:12px"></div>',
    '<div style="width:100%"><span style="white-space:nowrap;color:#5F5F5F;opacity:.36">',
    RULE,
    '</span></div>',
  ].join('\r\n');
}

export function joinBlobText(m: StoredMeeting): string {
  return [
    RULE,
    'Microsoft Teams meeting',
    'Join on your computer, mobile app or room device',
    `Click here to join the meeting<${m.joinWebUrl}>`,
    `Meeting ID: ${spacedMeetingId(m)}`,
    `Passcode: ${m.passcode}`,
    'Dial in by phone',
    `${m.tollNumber},,${m.conferenceId.replace(/ /g, '')}# United States`,
    `Phone conference ID: ${m.conferenceId}#`,
    RULE,
  ].join('\r\n');
}

/** The body as Exchange stores it: HTML wrapped in a document, the join block appended when online. */
export function withJoinBlob(body: ItemBody, m: StoredMeeting | undefined): ItemBody {
  const content = body.content ?? '';
  if (body.contentType === 'text') {
    return { contentType: 'text', content: m ? `${content}\r\n${joinBlobText(m)}\r\n` : content };
  }
  const inner = content.replace(/^[\s\S]*<body[^>]*>/i, '').replace(/<\/body>[\s\S]*$/i, '');
  return {
    contentType: 'html',
    content:
      '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n<body>\r\n' +
      inner +
      (m ? `<br>\r\n${joinBlobHtml(m)}\r\n` : '') +
      '</body>\r\n</html>\r\n',
  };
}

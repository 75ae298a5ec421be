(self.siteSearchData=self.siteSearchData||{})["s/u"]={"terms":"curi human jurgen qualiti ture"};

(self.siteSearchData=self.siteSearchData||{})["w/t"]={"terms":"tenth those train ture"};
